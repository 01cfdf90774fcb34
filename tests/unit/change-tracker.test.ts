import { describe, expect, it } from 'vitest'
import { Column, Entity, NotBootedError, Relation } from '../../lib/index.js'
import type { Connection } from '../../lib/dialect/dialect.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { ChangeTracker, type TrackerHost } from '../../lib/session/change-tracker.js'
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

/** A host with one process-wide unit of work that counts the flushes it is asked to schedule. */
function fakeHost(): TrackerHost & { isClosing: boolean; scheduled: number } {
  const globalWork = new UnitOfWork({} as Connection, undefined, undefined)
  return {
    epoch: 1,
    globalWork,
    isClosing: false,
    scheduled: 0,
    currentWork: () => globalWork,
    scheduleFlush() {
      this.scheduled++
    },
  }
}

/** A new instance, tracked, then marked as flushed. */
function flushed(tracker: ChangeTracker, host: TrackerHost): Stateful {
  const person = {} as Stateful
  tracker.trackNew(person, meta)
  person[STATE].status = MANAGED
  person[STATE].owner = undefined
  host.globalWork.newEntities.clear()
  return person
}

describe('ChangeTracker', () => {
  it('files a new instance as a pending insert of the current work and schedules a flush', () => {
    const host = fakeHost()
    const person = {} as Stateful
    new ChangeTracker(host).trackNew(person, meta)
    expect(person[STATE].status).toBe(NEW)
    expect(host.globalWork.newEntities.has(person)).toBe(true)
    expect(host.scheduled).toBe(1)
  })

  it('marks an assigned slot of a persisted instance dirty, and ignores an assignment of the same value', () => {
    const host = fakeHost()
    const tracker = new ChangeTracker(host)
    const person = flushed(tracker, host)
    tracker.onWrite(person, person[STATE], nameSlot, 'Ann')
    tracker.onWrite(person, person[STATE], nameSlot, 'Ann')
    expect(person[STATE].dirty).toEqual(new Set([nameSlot]))
    expect(host.globalWork.dirtyEntities.has(person)).toBe(true)
  })

  it('refuses a change once close() was called', () => {
    const host = fakeHost()
    const tracker = new ChangeTracker(host)
    const person = flushed(tracker, host)
    host.isClosing = true
    expect(() => tracker.onWrite(person, person[STATE], nameSlot, 'Bob')).toThrow(NotBootedError)
    expect(() => tracker.onWrite(person, person[STATE], nameSlot, 'Bob')).toThrow('change Person.name')
  })

  it('does not count as pending what memory does to catch up with the database', () => {
    const host = fakeHost()
    const tracker = new ChangeTracker(host)
    const person = flushed(tracker, host)
    const tags = tracker.wrapCollection(person, tagsSlot, [{}, {}])
    tracker.applyDatabaseChange(() => tags.pop())
    expect(person[STATE].dirty).toBeUndefined()
    tags.pop()
    expect(person[STATE].dirty).toEqual(new Set([tagsSlot]))
  })
})
