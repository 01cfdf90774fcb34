import { describe, expect, it } from 'vitest'
import { Column, Entity, SoftDel, SoftDelUuid } from '../../lib/index.js'
import type { Connection } from '../../lib/dialect/dialect.js'
import type { ReadReplica, ReadReplicas } from '../../lib/dialect/read-replicas.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { ReadRouter } from '../../lib/session/read-router.js'
import { Review, Story, Tag, User } from '../support/model.js'

// Which server the read router picks, without a database: a fake set of replicas that has replayed
// up to `replayed`, and a primary whose WAL position is `primaryAt`. The real servers are in
// tests/scale/replica-reads.test.ts.

/** Declared here alone: a class related to none of the sample model. */
class Setting extends Entity {
  @Column() name: string
}

const primary = { name: 'primary' } as unknown as Connection
const replica: ReadReplica = { index: 0, connection: { name: 'replica' } as unknown as Connection }

class FakeReplicas implements ReadReplicas {
  primaryAt = 100n
  replayed = 100n
  positionReads = 0
  failPositionRead = false
  readonly failures: unknown[] = []

  async primaryPosition(connection: Connection): Promise<bigint> {
    expect(connection).toBe(primary)
    this.positionReads++
    await new Promise((resolve) => setTimeout(resolve, 5))
    if (this.failPositionRead) throw new Error('primary gone')
    return this.primaryAt
  }

  async pick(position: bigint): Promise<ReadReplica | undefined> {
    return this.replayed >= position ? replica : undefined
  }

  failed(_replica: ReadReplica, error: unknown): void {
    this.failures.push(error)
  }

  async close(): Promise<void> {}
}

function setUp(): { router: ReadRouter; replicas: FakeReplicas; meta: (ctor: object) => EntityMetadata } {
  const registry = buildMetadata([User, Story, Tag, Review, Setting], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
  const replicas = new FakeReplicas()
  return { router: new ReadRouter(replicas, registry.entities), replicas, meta: (ctor) => registry.forClass(ctor)! }
}

const serverName = async (connection: Connection): Promise<string> => (connection as unknown as { name: string }).name

describe('read router', () => {
  it('holds back the reads of a written class and of the classes related to it, not the others', async () => {
    const { router, replicas, meta } = setUp()
    expect(await router.read(meta(Setting), primary, serverName)).toBe('replica')
    expect(await router.read(meta(User), primary, serverName)).toBe('replica')
    replicas.primaryAt = 200n
    router.noteCommitted(meta(Story))
    for (const ctor of [User, Story, Tag, Review]) expect(await router.read(meta(ctor), primary, serverName)).toBe('primary')
    expect(await router.read(meta(Setting), primary, serverName)).toBe('replica')
    replicas.replayed = 200n
    expect(await router.read(meta(Tag), primary, serverName)).toBe('replica')
  })

  it('reads the primary position once for reads that arrive together, and again after the next commit', async () => {
    const { router, replicas, meta } = setUp()
    await router.read(meta(User), primary, serverName)
    const before = replicas.positionReads
    router.noteCommitted(meta(User))
    await Promise.all([1, 2, 3].map(() => router.read(meta(Story), primary, serverName)))
    expect(replicas.positionReads).toBe(before + 1)
    router.noteCommitted()
    await router.read(meta(Setting), primary, serverName)
    expect(replicas.positionReads).toBe(before + 2)
  })

  it('runs a read that fails on the replica again on the primary, and reports the failure', async () => {
    const { router, replicas, meta } = setUp()
    const lost = new Error('Connection terminated unexpectedly')
    const servers: string[] = []
    const result = await router.read(meta(Setting), primary, async (connection) => {
      const name = await serverName(connection)
      servers.push(name)
      if (name === 'replica') throw lost
      return 'rows'
    })
    expect(result).toBe('rows')
    expect(servers).toEqual(['replica', 'primary'])
    expect(replicas.failures).toEqual([lost])
  })

  it('rejects a read whose primary position cannot be read, and asks again on the next read', async () => {
    const { router, replicas, meta } = setUp()
    replicas.failPositionRead = true
    await expect(router.read(meta(User), primary, serverName)).rejects.toThrow('primary gone')
    replicas.failPositionRead = false
    expect(await router.read(meta(User), primary, serverName)).toBe('replica')
    expect(replicas.positionReads).toBe(2)
  })
})
