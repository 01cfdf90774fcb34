import type { RowCursor } from '../dialect/dialect.js'
import { ValidationError, describeValue } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { compileBeforeFlush } from '../query/compile-before-flush.js'
import type { RawFindOptions } from '../query/query-compiler.js'
import type { Stateful } from '../state/entity-state.js'
import type { ReadHost } from './reader.js'
import type { UnitOfWork } from './unit-of-work.js'

/** @internal What streaming needs from the booted ORM: a part of what reading needs. */
export type StreamHost = Pick<ReadHost, 'compiler' | 'hydrator' | 'loader' | 'currentWork' | 'flush' | 'toOrmError'>

/** @internal The options `stream()` accepts, untyped. */
export interface RawStreamOptions extends Omit<RawFindOptions, 'limit' | 'offset'> {
  readonly batchSize?: number
}

const DEFAULT_BATCH_SIZE = 1000

/**
 * @internal The instances of `find()`'s rows, read and hydrated `batchSize` rows at a time through a
 * {@link RowCursor}. Everything that can be refused (options, relations, the query) is checked now, before
 * anything runs; the caller's scope (a transaction's, or the process-wide one) is taken now too, so the
 * rows come from the transaction the call was made in, whichever context iterates.
 */
export function streamInstances<T>(host: StreamHost, meta: EntityMetadata, options: RawStreamOptions = {}): AsyncGenerator<T, void, undefined> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw ValidationError.badOption(`${meta.className}.stream(): 'batchSize' must be a positive integer (rows read per round trip), not ${describeValue(batchSize)}.`)
  }
  host.loader.check(meta, options.relations)
  const compile = () => host.compiler.select(meta, options)
  const early = compileBeforeFlush(compile)
  return readBatches<T>(host, host.currentWork(), meta, options, batchSize, () => early ?? compile())
}

async function* readBatches<T>(
  host: StreamHost,
  work: UnitOfWork,
  meta: EntityMetadata,
  options: RawStreamOptions,
  batchSize: number,
  compile: () => { readonly text: string; readonly params: readonly unknown[] },
): AsyncGenerator<T, void, undefined> {
  // Like find(): the rows reflect the scope's pending changes.
  await host.flush(work)
  const cursor = await typed(host, () =>
    work.connection.openCursor({
      ...compile(),
      safeIntegers: meta.needsSafeIntegers,
      batchSize,
      resumeAfter: (last) => host.compiler.select(meta, options, last),
    }),
  )
  try {
    for (;;) {
      const rows = await typed(host, () => cursor.next())
      if (rows.length === 0) return
      const instances = host.hydrator.hydrate<Stateful>(meta, rows)
      if (options.relations) await typed(host, () => host.loader.load(meta, instances, options.relations, work.connection))
      // Only this batch is held here: instances the caller drops can be collected while it reads on.
      for (let i = 0; i < instances.length; i++) yield instances[i] as T
    }
  } finally {
    // Reached on the last row, on `break` and on a throw in the loop body: the cursor and its client are freed.
    await cursor.close()
  }
}

/** Runs a database step of the stream; a driver error comes out typed, as from `find()`. */
async function typed<R>(host: StreamHost, step: () => Promise<R>): Promise<R> {
  try {
    return await step()
  } catch (error) {
    throw host.toOrmError(error)
  }
}
