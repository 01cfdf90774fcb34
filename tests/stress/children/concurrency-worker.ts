/**
 * One of the three processes of tests/stress/concurrency.test.ts, chosen by STRESS_ROLE:
 * - inserter: inserts stories referencing random users (and now and then a new user), one
 *   transaction per round;
 * - deleter: hard-deletes random users after decoupling them: getDependents(), delete each story;
 * - soft-deleter: soft-deletes users with cascade and restores them, and soft-deletes and restores
 *   single stories.
 * It runs for STRESS_DURATION_MS, reporting each operation it believes committed ('ok'), each
 * refusal by an expected typed error ('refused') and anything else ('unexpected'), then 'done'
 * with its totals.
 */
import { ORM, type Loaded } from '../../../lib/index.js'
import { Story, User, USER_STORY_MODEL } from '../support/model.js'
import { bootOptions, describeError, quietLogger, report, setting, sleep } from '../support/child-io.js'

type Role = 'inserter' | 'deleter' | 'soft-deleter'

/** The errors each role may meet when another process got there first. */
const EXPECTED_REFUSALS: Record<Role, ReadonlySet<string>> = {
  // A user picked for a new story can be hard-deleted by the deleter before the insert commits.
  inserter: new Set(['ForeignKeyError', 'ConcurrencyError']),
  deleter: new Set(['DependentsError', 'ConcurrencyError']),
  'soft-deleter': new Set(['ConcurrencyError', 'RestoreError']),
}

const role = setting('STRESS_ROLE') as Role
const deadline = Date.now() + Number(setting('STRESS_DURATION_MS'))
const totals: Record<string, number> = {}
const refusals: Record<string, number> = {}
let unexpected = 0
let round = 0

await ORM.boot([...USER_STORY_MODEL], { ...bootOptions(), logger: quietLogger })
const userTable = `"${ORM.tableOf(User)}"`
const storyTable = `"${ORM.tableOf(Story)}"`

/** Runs one operation; returns whether it committed. A refusal must be one of the role's typed errors. */
async function attempt(op: string, run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run()
    return true
  } catch (error) {
    const described = describeError(error)
    if (EXPECTED_REFUSALS[role].has(described.name)) {
      refusals[described.name] = (refusals[described.name] ?? 0) + 1
      report({ type: 'refused', op, name: described.name, message: described.message })
    } else {
      unexpected++
      report({ type: 'unexpected', op, ...described })
    }
    return false
  }
}

function succeeded(op: string, details: Record<string, unknown>): void {
  totals[op] = (totals[op] ?? 0) + 1
  report({ type: 'ok', op, ...details })
}

async function randomIds(table: string, count: number, condition = ''): Promise<number[]> {
  const rows = await ORM.query(`SELECT id FROM ${table} ${condition} ORDER BY random() LIMIT ${count}`)
  return rows.map((row) => Number(row.id))
}

function pick<T>(items: T[]): T | undefined {
  if (items.length === 0) return undefined
  return items.splice(Math.floor(Math.random() * items.length), 1)[0]
}

async function insertRound(): Promise<void> {
  const ids = await randomIds(userTable, 3)
  let stories: Story[] = []
  let newUser: User | undefined
  const committed = await attempt('insert', () =>
    ORM.transaction(async () => {
      const users = await User.find({ where: { id: ids }, withDeleted: true })
      newUser = new User(`${role}-${process.pid}-${round}`)
      stories = [...users, newUser].map((user, i) => new Story(`story-${process.pid}-${round}-${i}`, user))
      await ORM.flush()
    }),
  )
  if (!committed) return
  succeeded('insertUser', { id: newUser?.id })
  for (const story of stories) succeeded('insertStory', { id: story.id, user: story.createdBy.id })
}

async function deleteRound(): Promise<void> {
  const [id] = await randomIds(userTable, 1)
  const user = id === undefined ? undefined : await User.findById(id, { withDeleted: true })
  if (!user) return
  const dependents = await user.getDependents()
  for (const [, [instances]] of Object.entries(dependents)) {
    for (const story of instances) {
      const storyId = story.id
      if (await attempt('deleteStory', () => story.delete())) succeeded('deleteStory', { id: storyId })
    }
  }
  if (await attempt('deleteUser', () => user.delete())) succeeded('deleteUser', { id })
}

const hiddenUsers: User[] = []
const hiddenStories: Loaded<Story>[] = []

/** The deleted_at a report carries: epoch milliseconds. */
function stampOf(instance: Loaded<User> | Loaded<Story>): number | undefined {
  return instance.deletedAt?.getTime()
}

async function softDeleteRound(): Promise<void> {
  const dice = Math.random()
  if (dice < 0.35 || (dice < 0.65 && hiddenUsers.length === 0)) {
    const [id] = await randomIds(userTable, 1, 'WHERE deleted_at IS NULL')
    const user = id === undefined ? undefined : await User.findById(id)
    if (!user) return
    if (await attempt('softDeleteUser', () => user.softDelete({ cascade: true }))) {
      hiddenUsers.push(user)
      succeeded('softDeleteUser', { id: user.id, stamp: stampOf(user) })
    }
  } else if (dice < 0.65) {
    const user = pick(hiddenUsers) as User
    const stamp = stampOf(user)
    if (await attempt('restoreUser', () => user.restore({ cascade: true }))) succeeded('restoreUser', { id: user.id, stamp })
  } else if (dice < 0.85 || hiddenStories.length === 0) {
    const [id] = await randomIds(storyTable, 1, 'WHERE deleted_at IS NULL')
    const story = id === undefined ? undefined : await Story.findById(id)
    if (!story) return
    if (await attempt('softDeleteStory', () => story.softDelete())) {
      hiddenStories.push(story)
      succeeded('softDeleteStory', { id: story.id, stamp: stampOf(story) })
    }
  } else {
    const story = pick(hiddenStories) as Loaded<Story>
    const stamp = stampOf(story)
    if (await attempt('restoreStory', () => story.restore())) succeeded('restoreStory', { id: story.id, stamp })
  }
}

const rounds: Record<Role, () => Promise<void>> = { inserter: insertRound, deleter: deleteRound, 'soft-deleter': softDeleteRound }
report({ type: 'ready', role, pid: process.pid })
while (Date.now() < deadline) {
  round++
  await rounds[role]()
  // A short pause lets the other processes take the database (SQLite has one writer at a time).
  await sleep(2 + Math.random() * 8)
}
report({ type: 'done', role, rounds: round, totals, refusals, unexpected })
await ORM.close()
