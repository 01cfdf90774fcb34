import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect, type SecondConnection } from '../support/dialects.js'
import { describeRun, messagesOf, runChild, type ChildRun } from './support/child-process.js'
import { Story, User, USER_STORY_MODEL } from './support/model.js'

/**
 * Three child processes (tests/stress/children/concurrency-worker.ts) work on one database at the
 * same time for DURATION_MS: an inserter, a deleter that decouples with getDependents(), and a
 * soft-deleter that cascades and restores. Each reports every operation it believes committed;
 * afterwards the database must agree with every report, and hold no orphan.
 */

const DURATION_MS = 15_000
const SEED_USERS = 120
const ROLES = ['inserter', 'deleter', 'soft-deleter'] as const

/** Fixture: records every real change of deleted_at, so a reported soft delete can be matched to a write. */
function auditStatements(isPostgres: boolean): string[] {
  if (isPostgres) {
    return [
      'CREATE TABLE stress_audit (seq bigserial PRIMARY KEY, tbl text NOT NULL, row_id bigint NOT NULL, old_ms bigint, new_ms bigint)',
      `CREATE FUNCTION stress_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
         INSERT INTO stress_audit (tbl, row_id, old_ms, new_ms) VALUES (TG_TABLE_NAME, OLD.id,
           (extract(epoch FROM OLD.deleted_at) * 1000)::bigint, (extract(epoch FROM NEW.deleted_at) * 1000)::bigint);
         RETURN NEW; END $$`,
      ...['user', 'story'].map(
        (table) =>
          `CREATE TRIGGER ${table}_audit AFTER UPDATE OF deleted_at ON "${table}" FOR EACH ROW ` +
          'WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) EXECUTE FUNCTION stress_audit_row()',
      ),
    ]
  }
  return [
    'CREATE TABLE stress_audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, row_id INTEGER NOT NULL, old_ms INTEGER, new_ms INTEGER)',
    ...['user', 'story'].map(
      (table) =>
        `CREATE TRIGGER ${table}_audit AFTER UPDATE OF deleted_at ON "${table}" FOR EACH ROW ` +
        `WHEN OLD.deleted_at IS NOT NEW.deleted_at BEGIN INSERT INTO stress_audit (tbl, row_id, old_ms, new_ms) ` +
        `VALUES ('${table}', OLD.id, OLD.deleted_at, NEW.deleted_at); END`,
    ),
  ]
}

interface DatabaseState {
  /** id -> deleted_at in epoch ms, or null when live. */
  readonly users: Map<number, number | null>
  readonly stories: Map<number, { readonly user: number; readonly deleted: number | null }>
  /** Every change of deleted_at, in commit order: `table #id: old -> new`. */
  readonly transitions: string[]
  /** The same changes as data. */
  readonly changes: { readonly table: string; readonly id: number; readonly to: number | null }[]
  /** Stories whose required user does not exist, counted by the database itself. */
  readonly orphans: number
}

async function readState(connection: SecondConnection, isPostgres: boolean): Promise<DatabaseState> {
  const ms = (column: string): string => (isPostgres ? `(extract(epoch FROM ${column}) * 1000)::bigint` : column)
  const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value))
  const users = await connection.run(`SELECT id, ${ms('deleted_at')} AS deleted FROM "user"`)
  const stories = await connection.run(`SELECT id, created_by_id AS user_id, ${ms('deleted_at')} AS deleted FROM story`)
  const audit = await connection.run('SELECT tbl, row_id, old_ms, new_ms FROM stress_audit ORDER BY seq')
  const orphans = await connection.run('SELECT count(*) AS n FROM story s WHERE NOT EXISTS (SELECT 1 FROM "user" u WHERE u.id = s.created_by_id)')
  return {
    users: new Map(users.map((row) => [Number(row.id), nullableNumber(row.deleted)])),
    stories: new Map(stories.map((row) => [Number(row.id), { user: Number(row.user_id), deleted: nullableNumber(row.deleted) }])),
    transitions: audit.map((row) => transition(String(row.tbl), row.row_id, nullableNumber(row.old_ms), nullableNumber(row.new_ms))),
    changes: audit.map((row) => ({ table: String(row.tbl), id: Number(row.row_id), to: nullableNumber(row.new_ms) })),
    orphans: Number(orphans[0]?.n),
  }
}

function transition(table: string, id: unknown, from: number | null | undefined, to: number | null | undefined): string {
  return `${table} #${Number(id)}: ${from ?? 'live'} -> ${to ?? 'live'}`
}

/** The items of `wanted` that `available` lacks, counting repeats. */
function missingFrom(available: readonly string[], wanted: readonly string[]): string[] {
  const left = new Map<string, number>()
  for (const item of available) left.set(item, (left.get(item) ?? 0) + 1)
  const missing: string[] = []
  for (const item of wanted) {
    const count = left.get(item) ?? 0
    if (count === 0) missing.push(item)
    else left.set(item, count - 1)
  }
  return missing
}

interface Seed {
  readonly users: ReadonlySet<number>
  /** Story id -> its user's id. */
  readonly stories: ReadonlyMap<number, number>
}

/** Every disagreement between what the processes reported and what the database holds. */
function reconcile(seed: Seed, runs: readonly ChildRun[], state: DatabaseState): string[] {
  const problems: string[] = []
  for (const run of runs) {
    const [done] = messagesOf(run, 'done')
    if (run.timedOut || run.code !== 0 || !done) problems.push(describeRun(run))
    for (const message of messagesOf(run, 'unexpected')) {
      problems.push(`untyped refusal (${message.op}) in ${run.script}: ${message.name}: ${message.message}\n${message.stack}`)
    }
    const counted: Record<string, number> = {}
    for (const message of messagesOf(run, 'ok')) counted[String(message.op)] = (counted[String(message.op)] ?? 0) + 1
    if (done && JSON.stringify(sortKeys(counted)) !== JSON.stringify(sortKeys(done.totals as Record<string, number>))) {
      problems.push(`${done.role} reported totals ${JSON.stringify(done.totals)} but ${JSON.stringify(counted)} operations one by one`)
    }
  }
  const ok = (op: string): Record<string, unknown>[] => runs.flatMap((run) => messagesOf(run, 'ok')).filter((message) => message.op === op)
  const insertedStories = new Map(ok('insertStory').map((message) => [Number(message.id), Number(message.user)]))
  const deletedStories = new Set(ok('deleteStory').map((message) => Number(message.id)))
  const insertedUsers = new Set(ok('insertUser').map((message) => Number(message.id)))
  const deletedUsers = new Set(ok('deleteUser').map((message) => Number(message.id)))

  if (state.orphans !== 0) problems.push(`${state.orphans} stories reference a user that does not exist`)
  for (const [id, story] of state.stories) {
    if (!state.users.has(story.user)) problems.push(`orphan: Story #${id} references User #${story.user}, which does not exist`)
    if (!seed.stories.has(id) && !insertedStories.has(id)) problems.push(`Story #${id} is in the database, but no process reported inserting it`)
  }
  for (const [id, user] of insertedStories) {
    const row = state.stories.get(id)
    if (deletedStories.has(id)) continue
    if (!row) problems.push(`Story #${id}: the inserter reported it committed, but it is not in the database and no process deleted it`)
    else if (row.user !== user) problems.push(`Story #${id}: reported inserted for User #${user}, but references User #${row.user}`)
  }
  for (const id of deletedStories) {
    if (state.stories.has(id)) problems.push(`Story #${id}: the deleter reported it deleted, but the row is still there`)
  }
  for (const id of state.users.keys()) {
    if (!seed.users.has(id) && !insertedUsers.has(id)) problems.push(`User #${id} is in the database, but no process reported inserting it`)
  }
  for (const id of insertedUsers) {
    if (!state.users.has(id) && !deletedUsers.has(id)) {
      problems.push(`User #${id}: the inserter reported it committed, but it is not in the database and no process deleted it`)
    }
  }
  for (const id of deletedUsers) {
    if (state.users.has(id)) problems.push(`User #${id}: the deleter reported it deleted, but the row is still there`)
  }
  const expectedStories = seed.stories.size + insertedStories.size - deletedStories.size
  if (state.stories.size !== expectedStories) {
    problems.push(
      `story rows: ${state.stories.size} in the database, but ${seed.stories.size} seeded + ${insertedStories.size} inserted - ` +
        `${deletedStories.size} deleted = ${expectedStories} reported`,
    )
  }
  const expectedUsers = seed.users.size + insertedUsers.size - deletedUsers.size
  if (state.users.size !== expectedUsers) {
    problems.push(
      `user rows: ${state.users.size} in the database, but ${seed.users.size} seeded + ${insertedUsers.size} inserted - ` +
        `${deletedUsers.size} deleted = ${expectedUsers} reported`,
    )
  }

  // Only the soft-deleter changes users' deleted_at: its reports and the writes must match one to one.
  const userReports = ok('softDeleteUser')
    .map((message) => transition('user', message.id, null, message.stamp as number))
    .concat(ok('restoreUser').map((message) => transition('user', message.id, message.stamp as number, null)))
  const userWrites = state.transitions.filter((item) => item.startsWith('user '))
  const gone = (item: string): string => {
    const [table, id] = /^(\w+) #(\d+)/.exec(item)?.slice(1) ?? []
    const exists = table === 'user' ? state.users.has(Number(id)) : state.stories.has(Number(id))
    return exists ? '' : ' (its row is gone: hard-deleted by another process)'
  }
  for (const item of missingFrom(userWrites, userReports)) problems.push(`reported as committed but never written: ${item}${gone(item)}`)
  for (const item of missingFrom(userReports, userWrites)) problems.push(`written but never reported: ${item}`)
  // Stories also change in cascades: each reported single soft delete or restore must have been written.
  const storyReports = ok('softDeleteStory')
    .map((message) => transition('story', message.id, null, message.stamp as number))
    .concat(ok('restoreStory').map((message) => transition('story', message.id, message.stamp as number, null)))
  for (const item of missingFrom(state.transitions, storyReports)) problems.push(`reported as committed but never written: ${item}${gone(item)}`)

  // A restore, single or cascading, never brings a story back while its user is soft-deleted.
  const storyUser = new Map([...seed.stories, ...insertedStories])
  const hiddenUsers = new Set<number>()
  for (const change of state.changes) {
    if (change.table === 'user') {
      if (change.to === null) hiddenUsers.delete(change.id)
      else hiddenUsers.add(change.id)
    } else if (change.to === null && hiddenUsers.has(storyUser.get(change.id) ?? -1)) {
      problems.push(`Story #${change.id} was restored while its User #${storyUser.get(change.id)} was soft-deleted`)
    }
  }

  const lastReported = new Map<number, number | null>()
  for (const run of runs) {
    for (const message of messagesOf(run, 'ok')) {
      if (message.op === 'softDeleteUser') lastReported.set(Number(message.id), message.stamp as number)
      if (message.op === 'restoreUser') lastReported.set(Number(message.id), null)
    }
  }
  for (const [id, stamp] of lastReported) {
    const stored = state.users.get(id)
    if (stored !== undefined && stored !== stamp) {
      problems.push(`User #${id}: the soft-deleter last reported deleted_at ${stamp ?? 'NULL'}, the database holds ${stored ?? 'NULL'}`)
    }
  }
  return problems
}

function sortKeys(record: Record<string, number> = {}): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b))
}

function summary(runs: readonly ChildRun[]): string {
  return runs
    .map((run) => {
      const [done] = messagesOf(run, 'done')
      return done ? `${done.role}: ${done.rounds} rounds, ok ${JSON.stringify(done.totals)}, refused ${JSON.stringify(done.refusals)}` : `${run.script}: no summary`
    })
    .join('\n')
}

describeEachDialect(
  'three processes on one database',
  (db) => {
    it(
      'commits every reported write, refuses only with typed errors and leaves no orphan',
      async () => {
        await db.boot([...USER_STORY_MODEL])
        for (let i = 0; i < SEED_USERS; i++) {
          const user = new User(`seed-${i}`)
          new Story(`seed-${i}-a`, user)
          new Story(`seed-${i}-b`, user)
        }
        await ORM.flush()
        const seed: Seed = {
          users: new Set((await User.find()).map((user) => Number(user.id))),
          stories: new Map((await Story.find({ relations: { createdBy: true } })).map((story) => [Number(story.id), Number(story.createdBy.id)])),
        }
        await ORM.close()
        const connection = await db.openSecondConnection()
        for (const statement of auditStatements(db.isPostgres)) await connection.run(statement)

        const env = { STRESS_BOOT: JSON.stringify(db.connectionOptions()), STRESS_DURATION_MS: String(DURATION_MS) }
        const runs = await Promise.all(
          ROLES.map((role) => runChild('concurrency-worker.ts', { env: { ...env, STRESS_ROLE: role }, timeoutMs: DURATION_MS + 120_000 })),
        )
        const state = await readState(connection, db.isPostgres)
        const problems = reconcile(seed, runs, state)
        console.log(`[${db.name}] ${summary(runs)}`)
        expect(problems, `${summary(runs)}\n${problems.slice(0, 30).join('\n')}`).toEqual([])
      },
      DURATION_MS + 180_000,
    )
  },
  ['sqlite-file', 'postgres'],
)
