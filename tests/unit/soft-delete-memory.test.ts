import { describe, expect, it } from 'vitest'
import { Column, Entity, Relation, SoftDel, SoftDelUuid } from '../../lib/index.js'
import { analyzeRelations } from '../../lib/graph/dependents-graph.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { applySoftDeleteState, type SoftDeleteMemoryHost } from '../../lib/soft-delete/soft-delete-memory.js'
import { EntityState, MANAGED, STATE, setMembers, type Stateful } from '../../lib/state/entity-state.js'
import { IdentityMap } from '../../lib/state/identity-map.js'

class Tag extends SoftDel {
  @Column() name: string
}

class Story extends SoftDel {
  @Column() title: string
  @Relation(() => Tag) tags: Tag[]
}

const registry = buildMetadata([Tag, Story], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
const tagMeta = registry.forClass(Tag) as EntityMetadata
const storyMeta = registry.forClass(Story) as EntityMetadata
const tagsSlot = storyMeta.relationsByProperty.get('tags')!.slot
const deletedAtSlot = tagMeta.deletedAtColumn!.index

/** A loaded instance of `meta` with this id, in the identity map. */
function loaded(identityMap: IdentityMap, meta: EntityMetadata, id: number): Stateful {
  const values = new Array<unknown>(meta.slotCount).fill(undefined)
  values[0] = id
  const entity = { [STATE]: new EntityState(meta, 1, values, MANAGED) }
  identityMap.set(meta, id, entity)
  return entity
}

/** A host that records what the soft-delete memory asks of the session. */
function recordingHost() {
  const identityMap = new IdentityMap()
  const journaled: Stateful[] = []
  const writes: string[] = []
  const host: SoftDeleteMemoryHost<string> = {
    identityMap,
    graph: analyzeRelations(registry),
    journal: (work, entity) => void journaled.push(entity),
    noteWrite: (meta, work) => void writes.push(`${meta.className} in ${work}`),
    applyDatabaseChange: (apply) => apply(),
  }
  return { host, identityMap, journaled, writes }
}

describe('applySoftDeleteState', () => {
  it('stamps the loaded instance and takes it out of the loaded to-many arrays that hold it', () => {
    const { host, identityMap, journaled, writes } = recordingHost()
    const [news, sports] = [loaded(identityMap, tagMeta, 1), loaded(identityMap, tagMeta, 2)]
    const story = loaded(identityMap, storyMeta, 10)
    story[STATE].values[tagsSlot] = [news, sports]
    setMembers(story[STATE], tagsSlot, [news, sports])
    const stamp = new Date(4_000_000)

    applySoftDeleteState(host, 'tx', tagMeta, [1], stamp)

    expect(news[STATE].values[deletedAtSlot]).toBe(stamp)
    expect(story[STATE].values[tagsSlot]).toEqual([sports])
    expect(story[STATE].members?.[tagsSlot]).toEqual([sports])
    expect(journaled).toEqual([news, story])
    expect(writes).toEqual(['Story in tx', 'Tag in tx'])
  })

  it('clears deleted_at on a restore and leaves loaded arrays to their next load', () => {
    const { host, identityMap, writes } = recordingHost()
    const news = loaded(identityMap, tagMeta, 1)
    news[STATE].values[deletedAtSlot] = new Date(4_000_000)
    const story = loaded(identityMap, storyMeta, 10)
    story[STATE].values[tagsSlot] = []

    applySoftDeleteState(host, 'tx', tagMeta, [1], undefined)

    expect(news[STATE].values[deletedAtSlot]).toBeUndefined()
    expect(story[STATE].values[tagsSlot]).toEqual([])
    expect(writes).toEqual(['Tag in tx'])
  })
})
