import fc from 'fast-check'

const TIME_LIMIT = Number(process.env.FC_TIME_LIMIT ?? 40_000)

/** The vitest timeout of one property test: its search time limit, plus time to boot and close. */
export const PROPERTY_TEST_TIMEOUT = TIME_LIMIT + 60_000

/**
 * fast-check parameters for the property tests: a bounded number of runs, and a fixed seed (and
 * shrink path) from the environment to replay a failure:
 * `FC_SEED=1234 FC_PATH=0:1:2 npx vitest run tests/stress/property-where.test.ts`.
 * `FC_RUNS` scales every property's number of runs (`FC_RUNS=5` runs five times as many) and
 * `FC_TIME_LIMIT` (milliseconds, default 40000) bounds one property's search, shrinking included.
 */
export function propertyParameters<T>(numRuns: number): fc.Parameters<T> {
  const scale = Number(process.env.FC_RUNS ?? 1)
  const seed = process.env.FC_SEED
  const path = process.env.FC_PATH
  return {
    numRuns: Math.max(1, Math.round(numRuns * scale)),
    ...(seed !== undefined ? { seed: Number(seed) } : {}),
    ...(path !== undefined ? { path } : {}),
    // A shrink step costs database round trips: keep the whole search bounded.
    interruptAfterTimeLimit: TIME_LIMIT,
    markInterruptAsFailure: false,
  }
}

/**
 * Lets the event loop run between property runs: on SQLite every ORM call settles as microtasks,
 * and a long search would otherwise starve vitest's worker messages ("Timeout calling onTaskUpdate").
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Characters that break naive quoting, escaping, comments, LIKE patterns and unicode handling. */
export const HOSTILE_CHARACTERS = [
  "'", '"', '`', '\\', ';', '-', '/', '*', '#', '$', '?', ':', '@', '%', '_', '(', ')', ',', ' ',
  '\n', '\r', '\t', 'a', 'A', 'z', 'Z', '0', '1', 'é', 'É', 'e\u0301', '\u0301', 'ß', 'İ', 'ı',
  '\u200b', '\u00a0', '\ufeff', '\ufffd', '\uffff', '\ue000', '𝄞', '😀', '👩‍👩‍👧', '\u{10ffff}', '中',
]

/** Whole strings that have broken SQL builders somewhere. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  "'",
  "''",
  "'; DROP TABLE \"order\"; --",
  "' OR '1'='1",
  '" OR ""="',
  '\\',
  "\\'",
  '\\\\',
  '*/',
  '/*',
  '-- x',
  '$1',
  '$$',
  '$tag$ x $tag$',
  '?',
  ':name',
  '@name',
  '$&',
  'NULL',
  'null',
  'select',
  'order',
  'group',
  'user',
  '%',
  '_',
  '%_%',
  'ＡＢＣ',
  'e\u0301',
  '\u00e9',
]

/** Any string the ORM must store and match exactly: hostile, unicode, sometimes very long. */
export const storableString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...HOSTILE_CHARACTERS), { maxLength: 10 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).filter((text) => !text.includes('\0')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom(...HOSTILE_STRINGS))
      .map(([length, tail]) => 'x'.repeat(length) + tail),
  },
)

/** Strings no database stores as given: the ORM must refuse them with a ValidationError. */
export const unstorableString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', 'a', "'", '𝄞'),
    fc.constantFrom('\0', '\ud800', '\udfff', '\ud83d', 'a\0b', '\0\0'),
    fc.constantFrom('', 'b', '\\', '😀'),
  )
  .map(([head, bad, tail]) => head + bad + tail)

/** Orders strings as SQLite's BINARY collation and PostgreSQL's C collations do: by UTF-8 bytes. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
