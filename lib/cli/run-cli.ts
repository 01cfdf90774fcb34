import { createRequire } from 'node:module'
import { Entity, type EntityClass } from '../entity/entity.js'
import { ORM } from '../orm/orm.js'
import { parseCliArgs } from './cli-args.js'
import { runCommand, type CliIo, type CliOrm } from './cli-commands.js'
import { findConfig, loadConfig, type LoadedConfig } from './cli-config.js'
import { CliUsageError, EXIT, USAGE } from './cli-usage.js'

/**
 * `npx veil-orm <command>`: reads the command line, loads the config module, runs the command and
 * returns the exit code (see `EXIT`). It never throws: every failure is printed on `io.err`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseCliArgs(argv)
    if (args.help || args.command === undefined) {
      io.out(USAGE)
      return EXIT.ok
    }
    const loaded = await loadConfig(findConfig(io.cwd, args.config), io.cwd, args.dir)
    return await runCommand(ormFor(loaded), loaded, { ...args, command: args.command }, io)
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`veil-orm: ${error.message}`)
      return EXIT.usage
    }
    io.err(`veil-orm: ${describeError(error)}`)
    return EXIT.failed
  }
}

/**
 * The ORM of the veil-orm copy the config's classes extend. Usually this one; a CommonJS config
 * (`veil.config.cjs`, or `.js` in a CommonJS project) gets the package's CommonJS build, a separate
 * module with its own `ORM` and `Entity`, so that copy is asked for, as the config resolved it.
 */
function ormFor(loaded: LoadedConfig): CliOrm {
  const { entities } = loaded.config
  const foreign = (base: unknown): EntityClass[] => entities.filter((entity) => !(typeof base === 'function' && entity.prototype instanceof base))
  if (foreign(Entity).length === 0) return ORM
  const other = requireFrom(loaded.path)
  if (other && foreign(other.Entity).length === 0) return other.ORM
  throw CliUsageError.foreignClasses(loaded.path, foreign(Entity).map((entity) => entity.name || String(entity)))
}

function requireFrom(path: string): { ORM: CliOrm; Entity: unknown } | undefined {
  try {
    return createRequire(path)('veil-orm') as { ORM: CliOrm; Entity: unknown }
  } catch {
    return undefined // no veil-orm next to the config: the classes are not veil-orm entities
  }
}

/** An error as one message: `BootError: ...`; the cause's message too when it adds one. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error && !error.message.includes(error.cause.message) ? ` (cause: ${error.cause.message})` : ''
  return `${error.name}: ${error.message}${cause}`
}
