import { BootError } from '../errors/boot-error.js'
import { describeValue } from '../errors/validation-error.js'
import { ID_TYPES, type IdType } from '../metadata/column-type.js'
import { checkOptions as checkOptionKeys, defineOptions, type OptionKind } from '../util/check-options.js'
import type { BootOptions } from './boot-options.js'
import { checkQueryOptions } from './sql-log.js'

/** What each boot option accepts; typed over BootOptions so that a new option must be listed here. */
const BOOT_OPTIONS = defineOptions('boot', {
  sqlite: 'value',
  postgres: 'value',
  pooler: 'value',
  idTypeDefault: 'value',
  skipTableCreation: 'boolean',
  autoFlush: 'boolean',
  onQuery: 'value',
  logSql: 'value',
  logger: 'value',
  replicas: 'value',
} satisfies Record<keyof BootOptions, OptionKind>)

/** @internal Checks ORM.boot()'s options (a mistake is a BootError, like every other one boot reports); returns the default id type. */
export function checkBootOptions(options: BootOptions): IdType {
  checkOptionKeys(options, BOOT_OPTIONS, 'ORM', BootError.badOption)
  checkQueryOptions(options)
  if (options.sqlite !== undefined && options.postgres !== undefined) {
    throw BootError.badOption('ORM.boot() got both sqlite and postgres options; pass only one of them.')
  }
  checkPoolerOption(options)
  checkReplicas(options)
  const idTypeDefault = options.idTypeDefault ?? 'INT'
  if (!ID_TYPES.includes(idTypeDefault)) {
    throw BootError.badOption(`ORM.boot(): idTypeDefault must be 'INT', 'BIGINT' or 'UUID', not ${JSON.stringify(idTypeDefault)}.`)
  }
  return idTypeDefault
}

/** `replicas` needs `postgres`, and is a list of connection strings, pg PoolConfigs or pg.Pools. */
function checkReplicas({ replicas, postgres }: BootOptions): void {
  if (replicas === undefined) return
  const expected = "a list of PostgreSQL connection strings or pg PoolConfigs, such as replicas: ['postgres://replica-1/app']"
  if (!Array.isArray(replicas)) throw BootError.badOption(`ORM.boot(): replicas must be ${expected}, not ${describeValue(replicas)}.`)
  replicas.forEach((replica: unknown, index) => {
    if (typeof replica !== 'string' && (typeof replica !== 'object' || replica === null || Array.isArray(replica))) {
      throw BootError.badOption(`ORM.boot(): replicas[${index}] must be a connection string, a pg PoolConfig or a pg.Pool, not ${describeValue(replica)}.`)
    }
  })
  if (postgres === undefined) {
    throw BootError.badOption('ORM.boot(): replicas are PostgreSQL read replicas of the postgres database; pass postgres (the primary) too.')
  }
}

/** Refuses a `pooler` option other than 'transaction', or one given without `postgres`. */
function checkPoolerOption(options: BootOptions): void {
  if (options.pooler === undefined) return
  if (options.pooler !== 'transaction') {
    throw BootError.badOption(
      `ORM.boot(): pooler must be 'transaction' (for PgBouncer's pool_mode = transaction or a managed pooler), ` +
        `not ${JSON.stringify(options.pooler)}; leave it out for a direct connection or a session pooler.`,
    )
  }
  if (options.postgres === undefined) {
    throw BootError.badOption("ORM.boot(): pooler: 'transaction' is a PostgreSQL option; pass it together with postgres, or leave it out on SQLite.")
  }
}
