import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { runChild, startChild, type ChildResult } from '../support/child-process.js'
import { MODEL, Story, User } from '../support/soft-model.js'
import { SERVER_URL } from './support/pgbouncer.js'
import { describePooled } from './support/pooled.js'

// Many application processes against one database through the pooler: four processes boot at the same
// moment on a fresh, empty schema. They serialize on the transaction-scoped schema lock: one creates the
// schema, the others find it complete and run no DDL. Then the identity map across processes: every
// query reads the database, so a process sees what another one committed.

interface BootReport {
  readonly name: string
  readonly bootStart: number
  readonly bootEnd: number
  readonly notices: readonly string[]
}

function reportOf(result: ChildResult): BootReport {
  const line = result.stdout.trim().split('\n').pop() ?? ''
  if (result.code !== 0 || !line.startsWith('{')) throw new Error(`a child failed (code ${result.code}):\n${result.stdout}\n${result.stderr}`)
  return JSON.parse(line) as BootReport
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the children did not get ready in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describePooled('many processes through PgBouncer', (pooled) => {
  it('boots four processes at once on a fresh schema: all succeed and the schema is created once', async () => {
    const target = await pooled.bouncer().freshSchema()
    const folder = mkdtempSync(join(tmpdir(), 'veil-scale-boot-'))
    try {
      const names = ['p1', 'p2', 'p3', 'p4']
      const children = names.map((name) =>
        startChild('tests/scale/children/pooled-boot.ts', [], { SCALE_URL: target.url, SCALE_FOLDER: folder, SCALE_NAME: name }),
      )
      await waitFor(() => readdirSync(folder).length === names.length, 90_000)
      writeFileSync(join(folder, 'go'), '')
      const reports = (await Promise.all(children.map((child) => child.done))).map(reportOf)

      // All four booted together: every boot started before the first one ended.
      expect(Math.max(...reports.map((report) => report.bootStart))).toBeLessThan(Math.min(...reports.map((report) => report.bootEnd)))
      // No process met an existing table while creating (no "already exists, skipping") or warned.
      expect(reports.flatMap((report) => report.notices)).toEqual([])

      const admin = new pg.Client({ connectionString: SERVER_URL })
      await admin.connect()
      try {
        // Every table and index of the schema was created by one transaction: one boot did all the DDL.
        const { rows } = await admin.query<{ relname: string; creator: string }>(
          `SELECT relname, xmin::text AS creator FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'i')`,
          [target.schema],
        )
        expect(rows.map((row) => row.relname)).toEqual(expect.arrayContaining(['user', 'tag', 'story', 'review', 'story_tags']))
        expect(new Set(rows.map((row) => row.creator)).size).toBe(1)
        const users = await admin.query<{ username: string }>(`SELECT username FROM ${target.schema}."user" ORDER BY username`)
        expect(users.rows.map((row) => row.username)).toEqual(names)
      } finally {
        await admin.end()
      }
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it("shows another process's committed changes to every query: the identity map never hides them", async () => {
    const target = await pooled.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('Hello', ann)
    const note = new Story('Note', ann)
    await ORM.flush()
    const child = await runChild('tests/scale/children/pooled-writer.ts', [], {
      SCALE_URL: target.url,
      SCALE_USER: String(ann.id),
      SCALE_STORY: String(story.id),
    })
    expect(child.code, child.stderr).toBe(0)
    // The instances in memory keep what they held until a query reads their rows again...
    expect(ann.username).toBe('ann')
    // ...and a query returns the same instance with the other process's values.
    expect(await User.findById(ann.id)).toBe(ann)
    expect(ann.username).toBe('renamed by another process')
    // The story the other process soft-deleted is gone from default reads, the other one stays.
    expect(await Story.find()).toEqual([note])
    expect(await Story.findById(story.id)).toBeUndefined()
    expect((await ann.stories).map((row) => row.title)).toEqual(['Note'])
  })
})
