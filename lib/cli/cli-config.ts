import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BootOptions } from '../orm/boot-options.js'
import type { EntityClass } from '../entity/entity.js'
import { CliUsageError } from './cli-usage.js'

/** The config module's names the CLI looks for in the current folder, in this order. */
export const CONFIG_NAMES = ['veil.config.mjs', 'veil.config.js', 'veil.config.cjs', 'veil.config.mts', 'veil.config.ts', 'veil.config.cts']

/** What a config module exports (or its function returns), as `npx veil-orm` reads it. */
export interface CliConfig {
  /** The entity classes, as passed to `ORM.boot()`. */
  readonly entities: readonly EntityClass[]
  /** The boot options: `sqlite` or `postgres` is required; the CLI adds `skipTableCreation: true` and its own logger. */
  readonly boot: BootOptions
  /** The migrations folder; relative to the config module's folder. Default `migrations`. */
  readonly migrations?: { readonly dir?: string }
}

/** A config module, loaded and checked, with where it was found. */
export interface LoadedConfig {
  readonly path: string
  readonly config: CliConfig
  /** The migrations folder, absolute: `--dir`, else the config's `migrations.dir`, else `migrations`, next to the config. */
  readonly migrationsDir: string
}

/** The config module's path: `--config`, else the first of {@link CONFIG_NAMES} in `cwd`. */
export function findConfig(cwd: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit)
    if (!existsSync(path)) throw CliUsageError.configMissing(path)
    return path
  }
  const found = CONFIG_NAMES.map((name) => join(cwd, name)).find((path) => existsSync(path))
  if (!found) throw CliUsageError.noConfig(cwd, CONFIG_NAMES)
  return found
}

/**
 * Imports the config module (ES module or CommonJS) and checks its shape; throws a {@link CliUsageError}
 * when it is malformed. An error the module itself throws is rethrown as it is.
 */
export async function loadConfig(path: string, cwd: string, dirOption: string | undefined): Promise<LoadedConfig> {
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[mc]?ts$/.test(path)) throw CliUsageError.typeScriptConfig(path)
    throw error
  }
  // `export default`, `module.exports` (which import() shows as the default), or named exports.
  let exported = 'default' in module ? module.default : module
  if (typeof exported === 'function') exported = await (exported as () => unknown)()
  const config = checkConfig(path, exported)
  const fromConfig = config.migrations?.dir
  const migrationsDir =
    dirOption !== undefined ? resolve(cwd, dirOption) : isAbsolute(fromConfig ?? '') ? (fromConfig as string) : join(dirname(path), fromConfig ?? 'migrations')
  return { path, config, migrationsDir }
}

function checkConfig(path: string, value: unknown): CliConfig {
  if (typeof value !== 'object' || value === null) throw CliUsageError.badConfig(path, `exports ${value === null ? 'null' : typeof value}, not an object`)
  const { entities, boot, migrations } = value as Record<string, unknown>
  if (!Array.isArray(entities) || entities.length === 0) {
    throw CliUsageError.badConfig(path, entities === undefined ? 'has no entities' : 'has no entity classes in entities (an array of classes)')
  }
  const notClasses = entities.filter((entity) => typeof entity !== 'function')
  if (notClasses.length > 0) throw CliUsageError.badConfig(path, `lists ${notClasses.map((entity) => JSON.stringify(entity) ?? String(entity)).join(', ')} in entities, which are not classes`)
  if (typeof boot !== 'object' || boot === null) throw CliUsageError.badConfig(path, 'has no boot options (boot: { sqlite } or boot: { postgres })')
  const { sqlite, postgres } = boot as BootOptions
  // Without either, boot would open an empty in-memory database: nothing to diff or migrate.
  if (sqlite === undefined && postgres === undefined) throw CliUsageError.badConfig(path, 'names no database in boot (boot: { sqlite } or boot: { postgres })')
  if (migrations !== undefined) {
    const dir = (migrations as { dir?: unknown } | null)?.dir
    if (typeof migrations !== 'object' || migrations === null || (dir !== undefined && typeof dir !== 'string')) {
      throw CliUsageError.badConfig(path, 'has a malformed migrations option (migrations: { dir: "migrations" })')
    }
  }
  return value as CliConfig
}
