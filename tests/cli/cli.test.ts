import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, describeEachDialect, type DialectContext } from '../support/dialects.js'
import { buildPackage } from './built-package.js'

// `npx veil-orm` as users run it: lib/ compiled once for this file, a project folder per test with
// node_modules/veil-orm linked to that build, the config module from ORM.md, and plain-JavaScript
// classes (decorators called as functions: Node runs no TypeScript).

const root = mkdtempSync(join(tmpdir(), 'veil-cli-'))
let bin: string
beforeAll(() => {
  bin = buildPackage(join(root, 'veil-orm')).bin
}, 120_000)
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** The config module of ORM.md ("The command line: npx veil-orm"), as the guide prints it. */
const docConfig = (() => {
  const guide = readFileSync(new URL('../../ORM.md', import.meta.url), 'utf8')
  const block = /```js\n(\/\/ veil\.config\.mjs\n[\s\S]*?)```/.exec(guide)?.[1]
  if (!block) throw new Error('ORM.md has no ```js block starting with // veil.config.mjs')
  return block
})()

const taskV1 = `import { Column, Entity } from 'veil-orm'
export class Task extends Entity {}
Column({ type: 'text' })(Task.prototype, 'title')
`
// Version 2 adds a required integer; the old column "notes" is no longer mapped.
const taskV2 = `${taskV1}Column({ type: 'integer' })(Task.prototype, 'priority')
`

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

let projectCount = 0

/** A fresh project folder, with veil-orm installed (linked) and the files given. */
function project(files: Record<string, string>): string {
  const dir = join(root, `app-${projectCount++}`)
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(join(root, 'veil-orm'), join(dir, 'node_modules/veil-orm'), 'dir')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/** Runs `veil-orm <args>` in `cwd`, as npx runs the package's bin. */
function cli(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The environment that points the ORM.md config at this test's database, and a way to read that database. */
async function database(db: DialectContext, dir: string): Promise<{ env: Record<string, string>; rows: (sql: string) => Promise<Record<string, unknown>[]> }> {
  if (db.isPostgres) {
    await db.boot([]) // a fresh schema of its own; the CLI reaches it through the URL's options
    const { options } = db.connectionOptions().postgres as { options: string }
    const second = await db.openSecondConnection()
    return { env: { DATABASE_URL: `${DATABASE_URL}?options=${encodeURIComponent(options)}` }, rows: (sql) => second.run(sql) }
  }
  // The config's `sqlite: 'dev.sqlite'` is relative to the folder the command runs in.
  const rows = async (sql: string): Promise<Record<string, unknown>[]> => {
    const sqlite = new Database(join(dir, 'dev.sqlite'), { readonly: true })
    try {
      return sqlite.prepare(sql).all() as Record<string, unknown>[]
    } finally {
      sqlite.close()
    }
  }
  return { env: {}, rows }
}

describeEachDialect(
  'npx veil-orm with the config module of ORM.md',
  (db) => {
    it('diffs, generates, lists, migrates, and then finds no difference, for a first schema and a change', async () => {
      const dir = project({ 'veil.config.mjs': docConfig, 'model.js': taskV1 })
      const { env, rows } = await database(db, dir)
      const dialect = db.isPostgres ? 'postgres' : 'sqlite'

      const diff = await cli(dir, ['schema:diff'], env)
      expect(diff.code).toBe(3)
      expect(diff.stdout).toMatch(/^1 difference\(s\) between the classes and the (sqlite|postgres) database:\n\ncreateTable task\n {2}CREATE TABLE IF NOT EXISTS "task"/)
      const json = await cli(dir, ['schema:diff', '--json'], env)
      expect(json.code).toBe(3)
      expect(JSON.parse(json.stdout)).toEqual([{ kind: 'createTable', table: 'task', destructive: false, sql: [expect.stringContaining('CREATE TABLE IF NOT EXISTS "task"')] }])
      // Booting changed nothing: the command boots with skipTableCreation.
      expect(diff.stderr).toMatch(/skipTableCreation is set and the database lacks .*table "task" \(Task\)/)

      const generated = await cli(dir, ['migration:generate', 'init'], env)
      expect(generated.code).toBe(0)
      const [file] = readdirSync(join(dir, 'migrations'))
      expect(file).toMatch(new RegExp(`^\\d{8}T\\d{6}Z_init\\.${dialect}\\.sql$`))
      expect(generated.stdout).toBe(`Wrote migrations/${file}: review it, commit it, then run npx veil-orm migrate.\n`)
      expect(readFileSync(join(dir, 'migrations', file as string), 'utf8')).toMatch(/-- up\n-- createTable task\nCREATE TABLE IF NOT EXISTS "task"/)

      expect(await cli(dir, ['migration:pending'], env)).toMatchObject({ code: 0, stdout: `1 pending ${dialect} migration(s), in the order migrate applies them:\n  ${file}\n` })
      expect(await cli(dir, ['migrate'], env)).toMatchObject({ code: 0, stdout: `Applied 1 migration(s):\n  ${file}\n` })
      expect((await rows('SELECT name FROM veil_migrations')).map((row) => row.name)).toEqual([file])
      expect(await rows('SELECT count(*) AS n FROM task')).toEqual([{ n: db.isPostgres ? '0' : 0 }])
      expect(await cli(dir, ['migration:pending', '--json'], env)).toMatchObject({ code: 0, stdout: '[]\n' })
      expect(await cli(dir, ['migrate'], env)).toMatchObject({ code: 0, stdout: `Nothing to apply: every ${dialect} migration in migrations is applied.\n` })
      expect(await cli(dir, ['schema:diff'], env)).toEqual({ code: 0, stdout: `The ${dialect} database matches the classes: no difference.\n`, stderr: '' })

      // An empty diff writes no file and says so.
      const nothing = await cli(dir, ['migration:generate', 'nothing'], env)
      expect(nothing).toMatchObject({ code: 0, stdout: '', stderr: 'veil-orm: the schema diff is empty; no migration "nothing" was written.\n' })
      expect(readdirSync(join(dir, 'migrations'))).toEqual([file])

      // Version 2 of the class: the diff lists the new column; generate and migrate bring the database along.
      writeFileSync(join(dir, 'model.js'), taskV2)
      const changed = await cli(dir, ['schema:diff', '--json'], env)
      expect(changed.code).toBe(3)
      expect(JSON.parse(changed.stdout).map((d: { kind: string; column: string }) => `${d.kind} ${d.column}`)).toEqual(['addColumn priority', 'alterColumnNullability priority'])
      expect((await cli(dir, ['migration:generate', 'add-priority', '--json'], env)).stdout).toMatch(/^\{"path":".*_add-priority\.\w+\.sql"\}\n$/)
      expect((await cli(dir, ['migrate', '--json'], env)).stdout).toMatch(/"name": ".*_add-priority\.\w+\.sql"/)
      expect(await cli(dir, ['schema:diff'], env)).toMatchObject({ code: 0 })
    })

    it('marks destructive differences, and --dir overrides the folder of the config', async () => {
      const dir = project({ 'veil.config.mjs': docConfig, 'model.js': taskV2 })
      const { env } = await database(db, dir)
      await cli(dir, ['migration:generate', 'init', '--dir', 'elsewhere'], env)
      expect(await cli(dir, ['migrate', '--dir', 'elsewhere'], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied 1 migration/) })
      writeFileSync(join(dir, 'model.js'), taskV1)
      const diff = await cli(dir, ['schema:diff'], env)
      expect(diff.code).toBe(3)
      expect(diff.stdout).toMatch(/1 DESTRUCTIVE \(drops data\):\n\ndropColumn task\.priority {2}DESTRUCTIVE\n/)
    })

    it('exits with 1 and the BootError when the database does not fit the classes, changing nothing', async () => {
      const dir = project({ 'veil.config.mjs': docConfig, 'model.js': taskV1 })
      const { env, rows } = await database(db, dir)
      await cli(dir, ['migration:generate', 'init'], env)
      await cli(dir, ['migrate'], env)
      // title becomes an integer property over a TEXT column: a drift.
      writeFileSync(join(dir, 'model.js'), taskV1.replace("type: 'text'", "type: 'integer'"))
      const refused = await cli(dir, ['schema:diff'], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/^veil-orm: BootError: The database does not fit the classes; boot changed nothing\. Task\.title/)
      expect(refused.stdout).toBe('')
      // migrate boots without the classes, so the migration that fixes a drift can run.
      expect(await cli(dir, ['migrate'], env)).toMatchObject({ code: 0 })
      expect(await rows('SELECT count(*) AS n FROM veil_migrations')).toEqual([{ n: db.isPostgres ? '1' : 1 }])
    })
  },
  ['sqlite-file', 'postgres'],
)

describeEachDialect(
  'npx veil-orm with a pool the config opened itself',
  (db) => {
    it('exits when done, though ORM.close() leaves the pool open (it would keep the process alive)', async () => {
      const text = `import pg from 'pg'\nimport { Task } from './model.js'\nconst pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 0 })\nexport default { entities: [Task], boot: { postgres: pool } }\n`
      const dir = project({ 'veil.config.mjs': text, 'model.js': taskV1 })
      symlinkSync(fileURLToPath(new URL('../../node_modules/pg', import.meta.url)), join(dir, 'node_modules/pg'), 'dir')
      const { env } = await database(db, dir)
      expect(await cli(dir, ['schema:diff', '--json'], env)).toMatchObject({ code: 3, stdout: expect.stringContaining('"createTable"') })
    })
  },
  ['postgres'],
)

describe('npx veil-orm: usage and config problems', () => {
  const config = (text: string): string => project({ 'veil.config.mjs': text, 'model.js': taskV1 })

  it('prints the usage for --help, with exit code 0', async () => {
    const help = await cli(root, ['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: npx veil-orm <command> \[options\]\n[\s\S]*schema:diff[\s\S]*Exit codes: 0 done, 1 failed, 2 bad usage, 3 schema:diff found differences\.\n$/)
  })

  it.each([
    [[], /^veil-orm: No command given\. Commands: schema:diff, migration:generate, migration:pending, migrate; run npx veil-orm --help\.\n$/],
    [['migrations'], /^veil-orm: Unknown command "migrations"\. Commands: .*; run npx veil-orm --help\.\n$/],
    [['migration:generate'], /^veil-orm: migration:generate needs a name: npx veil-orm migration:generate add-priority\n$/],
    [['migrate', 'now'], /^veil-orm: migrate takes no argument "now"; run npx veil-orm --help\.\n$/],
    [['schema:diff', '--verbose'], /^veil-orm: Unknown option '--verbose'; run npx veil-orm --help\.\n$/],
  ])('exits with 2 for the command line %j', async (args, message) => {
    const run = await cli(config(docConfig), args)
    expect(run).toMatchObject({ code: 2, stdout: '' })
    expect(run.stderr).toMatch(message)
  })

  it('exits with 2 when no config module is found, naming the folder and the names it looked for', async () => {
    const dir = project({})
    const run = await cli(dir, ['schema:diff'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`No config module found: none of veil.config.mjs, veil.config.js, veil.config.cjs, veil.config.mts, veil.config.ts, veil.config.cts is in ${dir}.`)
    expect((await cli(dir, ['schema:diff', '--config', 'other.mjs'])).stderr).toContain(`The config module ${join(dir, 'other.mjs')} (--config) does not exist.`)
  })

  it.each([
    ['export default { boot: { sqlite: "x.sqlite" } }', 'has no entities'],
    ['export default { entities: [], boot: { sqlite: "x.sqlite" } }', 'has no entity classes in entities'],
    ['export default { entities: ["Task"], boot: { sqlite: "x.sqlite" } }', 'lists "Task" in entities, which are not classes'],
    ['import { Task } from "./model.js"\nexport default { entities: [Task] }', 'has no boot options'],
    ['import { Task } from "./model.js"\nexport default { entities: [Task], boot: {} }', 'names no database in boot'],
    ['export default 42', 'exports number, not an object'],
    ['export default { entities: [class Plain {}], boot: { sqlite: "x.sqlite" } }', 'lists Plain, which does not extend Entity'],
  ])('exits with 2 for the config %j, saying what is wrong and changing nothing', async (text, problem) => {
    const dir = config(text)
    const run = await cli(dir, ['schema:diff'])
    expect(run).toMatchObject({ code: 2, stdout: '' })
    expect(run.stderr).toContain(problem)
    expect(readdirSync(dir).sort()).toEqual(['model.js', 'node_modules', 'veil.config.mjs'])
  })

  it('exits with 1 when the config module throws', async () => {
    const run = await cli(config('throw new Error("no DATABASE_URL in this shell")'), ['migrate'])
    expect(run).toMatchObject({ code: 1, stdout: '' })
    expect(run.stderr).toBe('veil-orm: Error: no DATABASE_URL in this shell\n')
  })

  it('says how to load a TypeScript config', async () => {
    const dir = project({ 'veil.config.ts': 'export default {}' })
    const run = await cli(dir, ['schema:diff'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/veil\.config\.ts is TypeScript, which Node cannot load by itself\. Compile it .* NODE_OPTIONS='--import tsx'/)
  })

  it('loads a CommonJS config whose classes come from the CommonJS build, and an async config function', async () => {
    const model = `const { Column, Entity } = require('veil-orm')\nclass Note extends Entity {}\nColumn({ type: 'text' })(Note.prototype, 'body')\nmodule.exports = { Note }\n`
    const cjs = project({ 'veil.config.cjs': `const { Note } = require('./note.cjs')\nmodule.exports = async () => ({ entities: [Note], boot: { sqlite: 'notes.sqlite' } })\n`, 'note.cjs': model })
    const run = await cli(cjs, ['schema:diff', '--json'])
    expect(run.code).toBe(3)
    expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ kind: 'createTable', table: 'note' })])
  })
})
