import { OrmError } from '../errors/orm-error.js'

/** The exit codes of `npx veil-orm`, so that scripts and CI can tell the outcomes apart. */
export const EXIT = {
  /** The command did what it says (`schema:diff`: the database matches the classes). */
  ok: 0,
  /** The command failed: the config threw, boot refused the database, a migration failed... */
  failed: 1,
  /** Bad usage: unknown command or option, missing name, missing or malformed config. Nothing ran. */
  usage: 2,
  /** `schema:diff` only: the database differs from the classes (CI can gate on it). */
  differences: 3,
} as const

/** The commands of `npx veil-orm`. */
export const COMMANDS = ['schema:diff', 'migration:generate', 'migration:pending', 'migrate'] as const

export type CliCommand = (typeof COMMANDS)[number]

/** The text `npx veil-orm --help` prints. */
export const USAGE = `Usage: npx veil-orm <command> [options]

Commands:
  schema:diff                 Print the differences between the classes and the database
                              (kind, table.column, DESTRUCTIVE mark, SQL). Exit code 0 when there are none,
                              3 when there are some (CI can gate on drift).
  migration:generate <name>   Write the current diff as <dir>/<UTC timestamp>_<name>.<dialect>.sql.
  migration:pending           List the migration files \`migrate\` would apply, in order.
  migrate                     Apply the pending migration files, each in its own transaction.

Options:
  --config <path>   The config module (default: veil.config.mjs, .js or .cjs in the current folder).
  --dir <path>      The migrations folder (default: the config's migrations.dir, else "migrations"
                    next to the config).
  --json            Print the result as JSON on stdout (messages go to stderr).
  -h, --help        Print this help.

The config module exports (default export, or module.exports) an object, or a function returning one
(or a promise of one):
  { entities: [User, Story], boot: { postgres: process.env.DATABASE_URL }, migrations: { dir: 'migrations' } }
The CLI boots with skipTableCreation: true, so it never changes the schema by booting. A TypeScript
config must be compiled first, or loaded by a Node loader: NODE_OPTIONS='--import tsx' npx veil-orm ...

Exit codes: 0 done, 1 failed, 2 bad usage, 3 schema:diff found differences.`

/** Bad usage of `npx veil-orm`: the CLI prints the message (and the usage line) and exits with code 2. */
export class CliUsageError extends OrmError {
  static unknownCommand(command: string): CliUsageError {
    return new CliUsageError(`Unknown command "${command}". Commands: ${COMMANDS.join(', ')}; run npx veil-orm --help.`)
  }

  static noCommand(): CliUsageError {
    return new CliUsageError(`No command given. Commands: ${COMMANDS.join(', ')}; run npx veil-orm --help.`)
  }

  static missingName(): CliUsageError {
    return new CliUsageError('migration:generate needs a name: npx veil-orm migration:generate add-priority')
  }

  static extraArguments(command: string, extra: readonly string[]): CliUsageError {
    return new CliUsageError(`${command} takes no argument ${extra.map((arg) => `"${arg}"`).join(', ')}; run npx veil-orm --help.`)
  }

  static badOption(reason: string): CliUsageError {
    return new CliUsageError(`${reason}; run npx veil-orm --help.`)
  }

  static noConfig(cwd: string, names: readonly string[]): CliUsageError {
    return new CliUsageError(
      `No config module found: none of ${names.join(', ')} is in ${cwd}. Create one exporting ` +
        `{ entities: [...], boot: { sqlite | postgres, ... }, migrations: { dir } }, or pass --config <path>.`,
    )
  }

  static configMissing(path: string): CliUsageError {
    return new CliUsageError(`The config module ${path} (--config) does not exist.`)
  }

  static typeScriptConfig(path: string): CliUsageError {
    return new CliUsageError(
      `The config module ${path} is TypeScript, which Node cannot load by itself. Compile it to JavaScript first ` +
        `and pass the .js file, or run with a loader: NODE_OPTIONS='--import tsx' npx veil-orm ...`,
    )
  }

  static badConfig(path: string, problem: string): CliUsageError {
    return new CliUsageError(
      `The config module ${path} ${problem}. It must export (default export, or module.exports) ` +
        `{ entities: [...], boot: { sqlite | postgres, ... }, migrations: { dir } }, or a function returning it.`,
    )
  }

  static foreignClasses(path: string, names: readonly string[]): CliUsageError {
    return new CliUsageError(
      `The config module ${path} lists ${names.join(', ')}, which ${names.length === 1 ? 'does' : 'do'} not extend Entity ` +
        `(or SoftDel) of the veil-orm package installed next to the config. List only entity classes, imported from 'veil-orm'.`,
    )
  }
}
