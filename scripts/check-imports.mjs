// Checks the import direction of lib/: no import cycle between files (type imports and re-exports
// count), and no folder importing a folder that is not below it in LAYERS. Run by `npm test` before
// vitest; tests/unit/import-direction.test.ts runs checkImports() on small fixture trees.
//
// It reads imports with the TypeScript parser that is already a dev dependency, so that comments,
// strings and template literals never look like imports, and `import type`, `export ... from` and
// `import('...')` (in code or in a type) are all seen.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/**
 * The layers of lib/, top first: a folder may import its own files and the folders listed after it,
 * never one listed before it. `lib/index.ts` (the public entry point) may import anything and nothing
 * may import it. A nested folder counts as its top folder (`dialect/sqlite` is `dialect`).
 */
export const LAYERS = [
  // The `veil-orm` command (npx veil-orm): loads a config module and drives the ORM facade.
  'cli',
  // Boot, the ORM facade and the sql log: composes everything below.
  'orm',
  // The public Entity base class, SoftDel, accessors and find options.
  'entity',
  // Explicit writes outside the flush: guarded delete, getDependents, softDelete/restore/purge.
  'operations',
  // The Runtime and its parts: change tracking, transactions, flush, reads, lazy loading, hydration.
  'session',
  // Lifecycle hooks and ORM.on() listeners: the runner the flusher and the operations call.
  'hooks',
  // Schema sync: only orm imports it.
  'schema',
  // The query compiler and the statement compilers for delete, cascade, restore and purge.
  'query',
  // Dialects and drivers: they run statements and own connections, and know nothing of entities.
  'dialect',
  // The soft-delete rule: visibility, the deletion clock, the partial-unique rule.
  'soft-delete',
  // The dependents graph: pure analysis of metadata.
  'graph',
  // In-memory instance state: entity state, references, identity map, tracked arrays.
  'state',
  // Decorators and metadata building and validation; frozen after boot.
  'metadata',
  // Small helpers (naming, option checks): may throw the library's errors.
  'util',
  // The error classes: import nothing from other folders.
  'errors',
]

/**
 * Layers that only some of the layers above them may import: schema sync runs at boot, so nothing
 * that runs after boot (session, entity, operations) depends on it.
 */
export const ONLY_IMPORTED_BY = {
  schema: ['orm'],
}

/** The file that may import anything: the package's entry point. */
const ENTRY = 'index.ts'

/**
 * Lists every import-direction violation under `libDir`, as objects with `file` (relative to
 * `libDir`'s parent), `line`, `specifier`, `rule` ('cycle', 'layer' or 'unresolved') and `message`.
 */
export function checkImports(libDir) {
  const root = dirname(resolve(libDir))
  const files = listTsFiles(resolve(libDir))
  const edges = new Map(files.map((file) => [file, readImports(file)]))
  const violations = []
  const name = (file) => relative(root, file).split(sep).join('/')

  for (const [file, imports] of edges) {
    for (const item of imports) {
      const at = `${name(file)}:${item.line} imports '${item.specifier}'`
      if (item.target === undefined) {
        violations.push({ file: name(file), line: item.line, specifier: item.specifier, rule: 'unresolved', message: `${at}: no such file under lib/` })
        continue
      }
      const problem = layerProblem(layerOf(libDir, file), layerOf(libDir, item.target))
      if (problem) violations.push({ file: name(file), line: item.line, specifier: item.specifier, rule: 'layer', message: `${at}: ${problem}` })
    }
  }

  for (const { group, cycle } of findCycles(files, edges)) {
    const path = [...cycle.map((step) => name(step.file)), name(cycle[0].file)].join(' -> ')
    const steps = cycle.map((step) => `\n    ${name(step.file)}:${step.line} imports '${step.specifier}'`).join('')
    const others = [...group].filter((file) => !cycle.some((step) => step.file === file))
    const tangle = others.length > 0 ? `\n    (more cycles run through ${others.map(name).join(', ')})` : ''
    const first = cycle[0]
    violations.push({
      file: name(first.file),
      line: first.line,
      specifier: first.specifier,
      rule: 'cycle',
      message: `import cycle (type imports and re-exports count): ${path}${steps}${tangle}`,
    })
  }
  return violations
}

/** The layer of a file: its top folder under lib/, or ENTRY for the entry point. */
function layerOf(libDir, file) {
  const parts = relative(resolve(libDir), file).split(sep)
  return parts.length === 1 ? (parts[0] === ENTRY ? ENTRY : '(lib root)') : parts[0]
}

/** Why `from` may not import `to`, or undefined when it may. */
function layerProblem(from, to) {
  if (from === ENTRY) return undefined
  if (to === ENTRY) return `nothing in lib/ may import ${ENTRY}, the public entry point`
  const fromRank = LAYERS.indexOf(from)
  const toRank = LAYERS.indexOf(to)
  if (fromRank < 0) return `'${from}' is not a layer: add it to LAYERS in scripts/check-imports.mjs`
  if (toRank < 0) return `'${to}' is not a layer: add it to LAYERS in scripts/check-imports.mjs`
  if (toRank < fromRank) return `${from} may not import ${to}, a layer above it`
  const importers = ONLY_IMPORTED_BY[to]
  if (importers && from !== to && !importers.includes(from)) return `${from} may not import ${to}: only ${importers.join(', ')} may`
  if (toRank === fromRank && from !== to) throw new Error(`internal: '${from}' and '${to}' share a rank`)
  return undefined
}

function listTsFiles(dir) {
  const found = []
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) found.push(...listTsFiles(path))
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) found.push(path)
  }
  return found
}

/** Every relative import of a file: static imports, re-exports and import() calls or types. */
function readImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const imports = []
  const add = (literal) => {
    const specifier = literal.text
    if (!specifier.startsWith('.')) return // a package: not ours to layer
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1
    imports.push({ specifier, line, target: resolveSpecifier(file, specifier) })
  }
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0])
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return imports
}

/** The .ts file a relative specifier names (`./a.js` is `./a.ts`, as NodeNext resolves it). */
function resolveSpecifier(file, specifier) {
  const base = resolve(dirname(file), specifier)
  const stem = base.replace(/\.(m|c)?js$/, '')
  for (const candidate of [`${stem}.ts`, base, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * Each strongly connected group of files (Tarjan's algorithm) with one of its cycles, as the import
 * steps that close it, so that each tangle is reported once however many cycles run through it.
 */
function findCycles(files, edges) {
  const index = new Map()
  const low = new Map()
  const onStack = new Set()
  const stack = []
  const groups = []
  let counter = 0
  const connect = (file) => {
    index.set(file, counter)
    low.set(file, counter++)
    stack.push(file)
    onStack.add(file)
    for (const { target } of edges.get(file) ?? []) {
      if (target === undefined || !edges.has(target)) continue
      if (!index.has(target)) {
        connect(target)
        low.set(file, Math.min(low.get(file), low.get(target)))
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file), index.get(target)))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const group = new Set()
    let member
    do {
      member = stack.pop()
      onStack.delete(member)
      group.add(member)
    } while (member !== file)
    const selfImport = (edges.get(file) ?? []).some((item) => item.target === file)
    if (group.size > 1 || selfImport) groups.push(group)
  }
  for (const file of files) if (!index.has(file)) connect(file)
  return groups.map((group) => ({ group, cycle: cycleWithin(group, edges) }))
}

/** A shortest cycle through the group's first file (breadth-first), as its import steps. */
function cycleWithin(group, edges) {
  const start = [...group].sort()[0]
  const cameFrom = new Map()
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.shift()
    for (const item of edges.get(file)) {
      if (!group.has(item.target)) continue
      if (item.target === start) {
        const steps = [{ file, ...item }]
        for (let at = file; at !== start; ) {
          const step = cameFrom.get(at)
          steps.unshift(step)
          at = step.file
        }
        return steps
      }
      if (!cameFrom.has(item.target)) {
        cameFrom.set(item.target, { file, ...item })
        queue.push(item.target)
      }
    }
  }
  throw new Error('internal: a strongly connected group without a cycle')
}

// Run as a script: check ./lib (or the folder given) and exit 1 with one line per violation.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const libDir = process.argv[2] ?? 'lib'
  const violations = checkImports(libDir)
  if (violations.length === 0) {
    console.log(`check-imports: ${libDir}/ imports point down the layers, no cycles.`)
  } else {
    for (const violation of violations) console.error(`check-imports: ${violation.message}`)
    console.error(`check-imports: ${violations.length} violation(s). Layers, top first: ${LAYERS.join(' > ')} (LAYERS in scripts/check-imports.mjs).`)
    process.exitCode = 1
  }
}
