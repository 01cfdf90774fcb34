import { relative } from 'node:path'
import type { EntityClass } from '../entity/entity.js'
import type { ORM } from '../orm/orm.js'
import type { Logger } from '../util/logger.js'
import type { CliArgs } from './cli-args.js'
import type { LoadedConfig } from './cli-config.js'
import { EXIT, type CliCommand } from './cli-usage.js'

/** Where the CLI prints: results on `out` (stdout), messages and warnings on `err` (stderr). */
export interface CliIo {
  readonly cwd: string
  out(text: string): void
  err(text: string): void
}

/** The part of `ORM` the commands use; the config's classes decide which copy of veil-orm provides it. */
export type CliOrm = Pick<typeof ORM, 'boot' | 'close' | 'schemaDiff' | 'migrations' | 'dialect'>

/**
 * Boots (always with `skipTableCreation: true`: the CLI never changes the schema by booting), runs the
 * command, closes the ORM, and returns the exit code. `migrate` and `migration:pending` boot without
 * classes, so that a drift the pending migrations fix does not stop them.
 */
export async function runCommand(orm: CliOrm, loaded: LoadedConfig, args: CliArgs & { command: CliCommand }, io: CliIo): Promise<number> {
  const logger: Logger = { warn: io.err, info: io.err, error: io.err }
  const withClasses = args.command === 'schema:diff' || args.command === 'migration:generate'
  const classes: readonly EntityClass[] = withClasses ? loaded.config.entities : []
  await orm.boot(classes, { ...loaded.config.boot, skipTableCreation: true, logger })
  try {
    return await COMMAND_RUNNERS[args.command]({ orm, dir: loaded.migrationsDir, args, io })
  } finally {
    await orm.close()
  }
}

interface CommandContext {
  readonly orm: CliOrm
  readonly dir: string
  readonly args: CliArgs
  readonly io: CliIo
}

const COMMAND_RUNNERS: Record<CliCommand, (context: CommandContext) => Promise<number>> = {
  async 'schema:diff'({ orm, args, io }) {
    const differences = await orm.schemaDiff()
    if (args.json) io.out(JSON.stringify(differences, null, 2))
    else io.out(describeDiff(differences, orm.dialect))
    return differences.length === 0 ? EXIT.ok : EXIT.differences
  },

  async 'migration:generate'({ orm, dir, args, io }) {
    // An empty diff writes nothing and says so through the logger (stderr).
    const path = await orm.migrations.generate(args.name as string, { dir })
    if (args.json) io.out(JSON.stringify({ path: path ?? null }))
    else if (path) io.out(`Wrote ${relative(io.cwd, path) || path}: review it, commit it, then run npx veil-orm migrate.`)
    return EXIT.ok
  },

  async 'migration:pending'({ orm, dir, args, io }) {
    const pending = await orm.migrations.pending({ dir })
    if (args.json) io.out(JSON.stringify(pending, null, 2))
    else if (pending.length === 0) io.out(`No pending ${orm.dialect} migration in ${relative(io.cwd, dir) || dir}.`)
    else io.out(`${pending.length} pending ${orm.dialect} migration(s), in the order migrate applies them:\n${pending.map((file) => `  ${file.name}`).join('\n')}`)
    return EXIT.ok
  },

  async migrate({ orm, dir, args, io }) {
    const applied = await orm.migrations.run({ dir })
    if (args.json) io.out(JSON.stringify(applied, null, 2))
    else if (applied.length === 0) io.out(`Nothing to apply: every ${orm.dialect} migration in ${relative(io.cwd, dir) || dir} is applied.`)
    else io.out(`Applied ${applied.length} migration(s):\n${applied.map((file) => `  ${file.name}`).join('\n')}`)
    return EXIT.ok
  },
}

/** One difference of `ORM.schemaDiff()` (the type lives in schema/, which only orm/ may import). */
type SchemaDifference = Awaited<ReturnType<CliOrm['schemaDiff']>>[number]

/** The human form of `schema:diff`: one block per difference, its SQL indented below it. */
export function describeDiff(differences: readonly SchemaDifference[], dialect: string): string {
  if (differences.length === 0) return `The ${dialect} database matches the classes: no difference.`
  const destructive = differences.filter((difference) => difference.destructive).length
  const lines = [
    `${differences.length} difference(s) between the classes and the ${dialect} database` +
      `${destructive > 0 ? `, ${destructive} DESTRUCTIVE (drops data)` : ''}:`,
  ]
  for (const difference of differences) {
    const target = difference.column === undefined ? difference.table : `${difference.table}.${difference.column}`
    lines.push('', `${difference.kind} ${target}${difference.destructive ? '  DESTRUCTIVE' : ''}`)
    for (const statement of difference.sql) lines.push(...statement.split('\n').map((line) => `  ${line}`))
  }
  lines.push('', 'Review it, then write it as a migration: npx veil-orm migration:generate <name>')
  return lines.join('\n')
}
