import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Column, DependentsError, ORM, type BootOptions, type QueryEvent } from '../../lib/index.js'
import { Entity } from '../../lib/index.js'
import { Story, Tag, User, Review, Note } from '../support/soft-model.js'
import { ReplicaCluster } from './support/replica-cluster.js'

// Read replicas with read-your-writes, against a real primary and streaming replica that this file
// starts (PostgreSQL only: the feature is about PostgreSQL servers). Replication lag is made with
// pg_wal_replay_pause() on the replica.

/** Declared here alone: a class related to none of the sample model, so its reads are "data this process did not write". */
class Setting extends Entity {
  @Column() name: string
  @Column() value: string
  constructor(name: string, value: string) {
    super()
    this.name = name
    this.value = value
  }
}

const MODEL = [User, Story, Tag, Review, Note, Setting]
const cluster = new ReplicaCluster()
let databases = 0
const events: QueryEvent[] = []
const warnings: string[] = []
const infos: string[] = []

beforeAll(() => cluster.start(), 120_000)
afterAll(() => cluster.stop(), 60_000)
afterEach(async () => {
  await ORM.close({ discardPending: true })
  await cluster.resumeReplay().catch(() => undefined)
})

/**
 * Boots the model on a fresh database of the cluster, with the replica (as a URL, or as a pg PoolConfig);
 * events, warnings and info lines are recorded.
 */
async function bootWithReplica(replicaAs: 'url' | 'config' = 'url', extra: BootOptions = {}): Promise<{ primary: string; replica: string }> {
  const name = `replicas_${++databases}`
  await cluster.sql(cluster.primaryUrl, `CREATE DATABASE ${name}`)
  await cluster.caughtUp()
  const primary = cluster.primaryUrl.replace(/\/postgres$/, `/${name}`)
  const replica = cluster.replicaUrl.replace(/\/postgres$/, `/${name}`)
  events.length = 0
  warnings.length = 0
  infos.length = 0
  await ORM.boot(MODEL, {
    postgres: primary,
    replicas: [replicaAs === 'url' ? replica : { host: '127.0.0.1', port: cluster.replicaPort, user: 'postgres', database: name }],
    onQuery: (event) => events.push(event),
    logger: { warn: (message) => warnings.push(message), info: (message) => infos.push(message) },
    ...extra,
  })
  await cluster.caughtUp()
  return { primary, replica }
}

/** The servers that ran the statements reading `table` since the events were last cleared. */
function serversReading(table: string): string[] {
  return events.filter((event) => event.sql.startsWith('SELECT') && event.sql.includes(`FROM "${table}"`)).map((event) => event.server)
}

/** Runs `read` until the replica serves it (after catch-up a read may still find the replica's last answer too old). */
async function untilReplicaServes(table: string, read: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    events.length = 0
    await read()
    if (serversReading(table).includes('replica')) return
    if (Date.now() > deadline) throw new Error(`reads of ${table} never returned to the replica`)
    await new Promise((resolve) => setTimeout(resolve, 60))
  }
}

describe('read replicas [postgres]', () => {
  it('shows every write of this process with replay paused, serves other data from the replica, and returns to it after catch-up', async () => {
    const { replica } = await bootWithReplica()
    new Setting('theme', 'dark')
    await ORM.flush()
    await cluster.caughtUp()
    await untilReplicaServes('setting', () => Setting.find())

    await cluster.pauseReplay()
    // create
    const ann = new User('ann')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    const three = new Story('three', ann)
    await ORM.flush()
    events.length = 0
    expect((await Story.find({ orderBy: { title: 'asc' } })).map((story) => story.title)).toEqual(['one', 'three', 'two'])
    expect(await Story.count()).toBe(3)
    expect(serversReading('story')).toEqual(['primary', 'primary'])
    // The replica really lacks them: a read sent there would have missed the writes.
    expect(await cluster.sql(replica, 'SELECT count(*)::int AS n FROM story')).toEqual([{ n: 0 }])

    // change: a stale row would also overwrite the instance's title as it is hydrated
    one.title = 'uno'
    await one.save()
    expect((await Story.findById(one.id))?.title).toBe('uno')
    expect(await Story.count({ where: { title: 'uno' } })).toBe(1)

    // soft delete: the row never reappears in a default find, by any route
    await two.softDelete()
    expect((await Story.find()).map((story) => story.title).sort()).toEqual(['three', 'uno'])
    expect(await Story.find({ where: { title: 'two' } })).toEqual([])
    expect(await Story.findById(two.id)).toBeUndefined()
    expect(await Story.count()).toBe(2)
    expect((await ann.stories).map((story) => story.title).sort()).toEqual(['three', 'uno'])

    // hard delete
    const threeId = three.id
    await three.delete()
    expect(await Story.findById(threeId, { withDeleted: true })).toBeUndefined()
    expect(await Story.count({ withDeleted: true })).toBe(2)
    expect((await User.findOne({ where: { username: 'ann' }, relations: { stories: true } }))?.stories.map((story) => story.title)).toEqual(['uno'])
    expect(serversReading('story').every((server) => server === 'primary')).toBe(true)

    // data this process did not write since the replica last caught up: the replica serves it
    events.length = 0
    expect((await Setting.find()).map((setting) => setting.value)).toEqual(['dark'])
    expect(serversReading('setting')).toEqual(['replica'])
    expect(events.find((event) => event.server === 'replica')?.replica).toBe(0)

    // Still behind this process's writes 2 s later: one warning, however many reads follow.
    expect(warnings).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await Story.find()
    await Story.count()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^veil-orm: read replica 0 \(127\.0\.0\.1:\d+\/replicas_\d+\) has been behind this process's writes for more than 2 s; reads that need them go to the primary/)

    await cluster.resumeReplay()
    await cluster.caughtUp()
    await untilReplicaServes('story', () => Story.find())
    expect((await Story.find()).map((story) => story.title)).toEqual(['uno'])
    expect(serversReading('story')).toContain('replica')
  })

  it('reads the primary with consistency: primary, inside transactions and in the reads that guard a delete', async () => {
    await bootWithReplica('config', { logSql: true })
    const bob = new User('bob')
    new Story('kept', bob)
    new Setting('lang', 'en')
    await ORM.flush()
    await cluster.caughtUp()
    await untilReplicaServes('setting', () => Setting.find())
    expect(infos.some((line) => line.startsWith('veil-orm SQL on replica 0 ('))).toBe(true)

    events.length = 0
    await Setting.find({ consistency: 'primary' })
    await Setting.findOne({ where: { name: 'lang' }, consistency: 'primary' })
    const [lang] = await Setting.find({ consistency: 'primary' })
    await Setting.findById(lang!.id, { consistency: 'primary' })
    expect(await Setting.count({ consistency: 'primary' })).toBe(1)
    expect(serversReading('setting')).toEqual(['primary', 'primary', 'primary', 'primary', 'primary'])

    events.length = 0
    await ORM.transaction(async () => {
      await Setting.find()
      await Setting.count()
    })
    expect(serversReading('setting')).toEqual(['primary', 'primary'])

    await untilReplicaServes('user', () => User.find())
    // A lazy load outside a transaction is a read like the others: the replica serves it.
    events.length = 0
    expect((await bob.stories).map((story) => story.title)).toEqual(['kept'])
    expect(serversReading('story')).toEqual(['replica'])

    events.length = 0
    await expect(bob.delete()).rejects.toThrow(DependentsError)
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((event) => event.server === 'primary')).toBe(true)
  })

  it('falls back to the primary when the replica stops mid-run: one warning, no error; uses it again once it is back', async () => {
    await bootWithReplica()
    new Setting('mode', 'fast')
    await ORM.flush()
    await cluster.caughtUp()
    await untilReplicaServes('setting', () => Setting.find())

    cluster.stopReplica()
    events.length = 0
    expect((await Setting.find()).map((setting) => setting.value)).toEqual(['fast'])
    expect(await Setting.count()).toBe(1)
    const carl = new User('carl')
    new Story('after', carl)
    await ORM.flush()
    expect((await Story.find()).map((story) => story.title)).toEqual(['after'])
    expect(serversReading('setting').at(-1)).toBe('primary')
    expect(serversReading('story')).toEqual(['primary'])
    const replicaWarnings = warnings.filter((message) => message.includes('read replica 0'))
    expect(replicaWarnings).toHaveLength(1)
    expect(replicaWarnings[0]).toMatch(/cannot be reached .*reads go to the primary/)

    cluster.startReplica()
    await cluster.caughtUp()
    await untilReplicaServes('story', () => Story.find())
    expect(infos.filter((line) => line.includes('read replica 0') && line.endsWith('is in use again.'))).toHaveLength(1)
    expect(warnings.filter((message) => message.includes('read replica 0'))).toHaveLength(1)
  })
})
