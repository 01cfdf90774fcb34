import { describe, expect, it } from 'vitest'
import { Column, Entity, NotBootedError, Relation } from '../../lib/index.js'
import type { Connection } from '../../lib/dialect/dialect.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { ChangeTracker, type TrackerParts } from '../../lib/session/change-tracker.js'
import { UnitOfWork } from '../../lib/session/unit-of-work.js'
import { MANAGED, NEW, STATE, type Stateful } from '../../lib/state/entity-state.js'

class Tag extends Entity {
  @Column() label: string
}

class Person extends Entity {
  @Column() name: string
  @Relation(() => Tag) tags: Tag[]
}

const meta = buildMetadata([Person, Tag], { entity: Entity, builtinBases: new Set() }, 'INT').forClass(Person) as EntityMetadata
const nameSlot = meta.byProperty.get('name')!.index
const tagsSlot = meta.relationsByProperty.get('tags')!.slot

/** Parts with one process-wide unit of work, a closing switch, and a count of the flushes asked for. */
function fakeParts() {
  const globalWork = new UnitOfWork({} as Connection, undefined, undefined)
  const parts = {
    epoch: 1,
    scopes: { globalWork, currentWork: () => globalWork },
    scheduler: { schedule: () => void parts.scheduled++ },
    closer: { isClosing: false },
    scheduled: 0,
  }
  return parts
}

/** A new instance, tracked, then marked as flushed. */
function flushed(tracker: ChangeTracker, parts: TrackerParts): Stateful {
  const person = {} as Stateful
  tracker.trackNew(person, meta)
  person[STATE].status = MANAGED
  person[STATE].owner = undefined
  parts.scopes.globalWork.newEntities.clear()
  return person
}

describe('ChangeTracker', () => {
  it('files a new instance as a pending insert of the current work and schedules a flush', () => {
    const parts = fakeParts()
    const person = {} as Stateful
    new ChangeTracker(parts).trackNew(person, meta)
    expect(person[STATE].status).toBe(NEW)
    expect(parts.scopes.globalWork.newEntities.has(person)).toBe(true)
    expect(parts.scheduled).toBe(1)
  })

  it('marks an assigned slot of a persisted instance dirty, and ignores an assignment of the same value', () => {
    const parts = fakeParts()
    const tracker = new ChangeTracker(parts)
    const person = flushed(tracker, parts)
    tracker.onWrite(person, person[STATE], nameSlot, 'Ann')
    tracker.onWrite(person, person[STATE], nameSlot, 'Ann')
    expect(person[STATE].dirty).toEqual(new Set([nameSlot]))
    expect(parts.scopes.globalWork.dirtyEntities.has(person)).toBe(true)
  })

  it('refuses a change once close() was called', () => {
    const parts = fakeParts()
    const tracker = new ChangeTracker(parts)
    const person = flushed(tracker, parts)
    parts.closer.isClosing = true
    expect(() => tracker.onWrite(person, person[STATE], nameSlot, 'Bob')).toThrow(NotBootedError)
    expect(() => tracker.onWrite(person, person[STATE], nameSlot, 'Bob')).toThrow('change Person.name')
  })

  it('does not count as pending what memory does to catch up with the database', () => {
    const parts = fakeParts()
    const tracker = new ChangeTracker(parts)
    const person = flushed(tracker, parts)
    const tags = tracker.wrapCollection(person, tagsSlot, [{}, {}])
    tracker.applyDatabaseChange(() => tags.pop())
    expect(person[STATE].dirty).toBeUndefined()
    tags.pop()
    expect(person[STATE].dirty).toEqual(new Set([tagsSlot]))
  })
})
