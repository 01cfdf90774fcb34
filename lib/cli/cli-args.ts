import { parseArgs } from 'node:util'
import { COMMANDS, CliUsageError, type CliCommand } from './cli-usage.js'

/** The command line of `npx veil-orm`, checked. */
export interface CliArgs {
  readonly help: boolean
  readonly command?: CliCommand
  /** The migration name of `migration:generate`. */
  readonly name?: string
  readonly config?: string
  readonly dir?: string
  readonly json: boolean
}

/** Reads the command line; throws a {@link CliUsageError} for an unknown command or option, or a missing name. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        config: { type: 'string' },
        dir: { type: 'string' },
        json: { type: 'boolean' },
      },
    })
  } catch (error) {
    // node:util's messages name the option ("Unknown option '--x'"); the code says it is a usage problem.
    throw CliUsageError.badOption(error instanceof Error ? error.message.replace(/\.\s.*$/s, '') : String(error))
  }
  const { values, positionals } = parsed
  const common = {
    json: values.json === true,
    ...(values.config === undefined ? {} : { config: values.config }),
    ...(values.dir === undefined ? {} : { dir: values.dir }),
  }
  if (values.help) return { help: true, ...common }
  const [command, ...rest] = positionals
  if (command === undefined) throw CliUsageError.noCommand()
  if (!isCommand(command)) throw CliUsageError.unknownCommand(command)
  if (command === 'migration:generate') {
    const [name, ...extra] = rest
    if (name === undefined || name.trim() === '') throw CliUsageError.missingName()
    if (extra.length > 0) throw CliUsageError.extraArguments(command, extra)
    return { help: false, command, name, ...common }
  }
  if (rest.length > 0) throw CliUsageError.extraArguments(command, rest)
  return { help: false, command, ...common }
}

function isCommand(value: string): value is CliCommand {
  return (COMMANDS as readonly string[]).includes(value)
}
