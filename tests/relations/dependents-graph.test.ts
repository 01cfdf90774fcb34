import { expect, it } from 'vitest'
import { BootError, Entity, NotBootedError, ORM, Relation } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { Review, Story, Tag, User } from '../support/model.js'

// The graph's analysis is unit-tested on metadata alone (tests/unit/dependents-graph.test.ts); these
// tests check that boot builds it, that ORM exposes it, and that boot refuses a required cycle.

const SAMPLE = [User, Story, Review, Tag]

// A property typed with a class declared further down would make the emitted decorator metadata read
// that class before its initialization; `Ref<T>` keeps the type and emits plain Object instead.
type Ref<T> = T

class Chicken extends Entity {
  @Relation(() => Egg) egg: Ref<Egg>
}

class Egg extends Entity {
  @Relation(() => Chicken) chicken: Chicken
}

// The graph depends only on the booted classes, not on the database: one dialect is enough.
describeEachDialect(
  'dependents graph',
  (db) => {
    it('lists the required to-one props of every class that depends on User', async () => {
      await db.boot(SAMPLE)
      expect(ORM.dependentsOf(User)).toEqual({ Story: ['createdBy'], Review: ['createdBy', 'approvedBy'] })
      expect(ORM.dependentsOf(Tag)).toEqual({})
    })

    it('answers dependentsOf by class name on the graph object as ORM.dependentsOf does, and renders it', async () => {
      await db.boot(SAMPLE)
      const graph = ORM.dependentsGraph()
      expect(graph.dependentsOf('User')).toEqual(ORM.dependentsOf(User))
      expect(graph.dependentsOf('Story')).toEqual({ Review: ['story'] })
      expect(graph.toMermaid()).toContain('  Review -->|story| Story')
    })

    it('refuses a required cycle of two classes at boot with a BootError naming both steps, and stays unbooted', async () => {
      const error = await db.boot([Chicken, Egg]).then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(BootError)
      expect((error as BootError).message).toContain('Chicken.egg -> Egg.chicken -> Chicken')
      expect((error as BootError).message).toMatch(/cycle/)
      expect((error as BootError).message).toContain('nullable: true')
      expect(() => ORM.dependentsGraph()).toThrow(NotBootedError)
    })
  },
  ['sqlite-memory'],
)
