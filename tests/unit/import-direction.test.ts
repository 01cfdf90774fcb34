import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkImports } from '../../scripts/check-imports.mjs'

const roots: string[] = []

/** Writes a lib/ tree of small files to a temp dir and returns the path of its lib/. */
function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'veil-imports-'))
  roots.push(root)
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, 'lib', path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
  }
  return join(root, 'lib')
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

describe('checkImports', () => {
  it('passes a tree whose imports point down the layers', () => {
    const lib = writeTree({
      'index.ts': "export { Entity } from './entity/entity.js'\nexport { ORM } from './orm/orm.js'\n",
      'orm/orm.ts': "import { syncSchema } from '../schema/schema-sync.js'\nexport class ORM {}\n",
      'schema/schema-sync.ts': "import type { Logger } from '../util/logger.js'\nexport function syncSchema(logger: Logger) {}\n",
      'entity/entity.ts': "import type { Where } from './find-options.js'\nimport { Runtime } from '../session/runtime.js'\nexport class Entity {}\n",
      'entity/find-options.ts': "import type { EntityId } from './entity-id.js'\nexport type Where = EntityId\n",
      'entity/entity-id.ts': 'export type EntityId = number\n',
      'session/runtime.ts': "import { SqliteDriver } from '../dialect/sqlite/sqlite-driver.js'\nimport 'reflect-metadata'\nexport class Runtime {}\n",
      'dialect/sqlite/sqlite-driver.ts': "import { OrmError } from '../../errors/orm-error.js'\nexport class SqliteDriver {}\n",
      'util/logger.ts': 'export interface Logger {}\n',
      'errors/orm-error.ts': '// import { ORM } from "../orm/orm.js" is a comment, not an import\nexport class OrmError {}\n',
    })
    expect(checkImports(lib)).toEqual([])
  })

  it('fails a cycle of type imports, naming every step', () => {
    const lib = writeTree({
      'metadata/entity-metadata.ts': "import type { RelationMetadata } from './relation-metadata.js'\nexport class EntityMetadata {}\n",
      'metadata/relation-metadata.ts': "export type { EntityMetadata as Owner } from './entity-metadata.js'\nexport class RelationMetadata {}\n",
    })
    const [violation, ...rest] = checkImports(lib)
    expect(rest).toEqual([])
    expect(violation).toMatchObject({ rule: 'cycle', file: 'lib/metadata/entity-metadata.ts', line: 1, specifier: './relation-metadata.js' })
    expect(violation?.message).toBe(
      'import cycle (type imports and re-exports count): lib/metadata/entity-metadata.ts -> lib/metadata/relation-metadata.ts -> lib/metadata/entity-metadata.ts' +
        "\n    lib/metadata/entity-metadata.ts:1 imports './relation-metadata.js'" +
        "\n    lib/metadata/relation-metadata.ts:1 imports './entity-metadata.js'",
    )
  })

  it('fails an import from a folder to a folder above it', () => {
    const lib = writeTree({
      'state/entity-state.ts': "\nimport type { UnitOfWork } from '../session/unit-of-work.js'\nexport interface EntityState {}\n",
      'session/unit-of-work.ts': 'export class UnitOfWork {}\n',
    })
    expect(checkImports(lib)).toEqual([
      {
        rule: 'layer',
        file: 'lib/state/entity-state.ts',
        line: 2,
        specifier: '../session/unit-of-work.js',
        message: "lib/state/entity-state.ts:2 imports '../session/unit-of-work.js': state may not import session, a layer above it",
      },
    ])
  })

  it('counts a nested dialect folder as dialect, and import() types as imports', () => {
    const lib = writeTree({
      'dialect/postgres/postgres-dialect.ts': "export type Compiler = import('../../query/query-compiler.js').QueryCompiler\n",
      'query/query-compiler.ts': 'export class QueryCompiler {}\n',
    })
    expect(checkImports(lib).map((violation) => violation.message)).toEqual([
      "lib/dialect/postgres/postgres-dialect.ts:1 imports '../../query/query-compiler.js': dialect may not import query, a layer above it",
    ])
  })

  it('lets only orm import schema, and nothing import the entry point', () => {
    const lib = writeTree({
      'index.ts': "export { Runtime } from './session/runtime.js'\n",
      'session/runtime.ts': "import type { Logger } from '../schema/schema-sync.js'\nimport '../index.js'\nexport class Runtime {}\n",
      'schema/schema-sync.ts': 'export interface Logger {}\n',
    })
    expect(checkImports(lib).map((violation) => violation.message)).toEqual([
      "lib/session/runtime.ts:1 imports '../schema/schema-sync.js': session may not import schema: only orm may",
      "lib/session/runtime.ts:2 imports '../index.js': nothing in lib/ may import index.ts, the public entry point",
      'import cycle (type imports and re-exports count): lib/index.ts -> lib/session/runtime.ts -> lib/index.ts' +
        "\n    lib/index.ts:1 imports './session/runtime.js'" +
        "\n    lib/session/runtime.ts:2 imports '../index.js'",
    ])
  })

  it('fails a folder that is not a layer and an import of a missing file', () => {
    const lib = writeTree({ 'helpers/x.ts': "import { y } from './y.js'\nexport const x = 1\n" })
    expect(checkImports(lib).map((violation) => violation.rule)).toEqual(['unresolved'])
    const other = writeTree({ 'helpers/x.ts': "import { y } from '../util/y.js'\n", 'util/y.ts': 'export const y = 1\n' })
    expect(checkImports(other).map((violation) => violation.message)).toEqual([
      "lib/helpers/x.ts:1 imports '../util/y.js': 'helpers' is not a layer: add it to LAYERS in scripts/check-imports.mjs",
    ])
  })
})
