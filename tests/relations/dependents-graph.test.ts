import { expect, it } from 'vitest'
import { BootError, Column, Entity, ORM, Relation } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// The sample model.

class User extends Entity {
  @Column({ unique: true }) username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
  constructor(username: string) {
    super()
    this.username = username
  }
}

class Tag extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Story extends Entity {
  @Column() title: string
  @Relation(() => User) createdBy: User
  @Relation(() => User, { nullable: true }) editor?: User
  @Relation(() => Tag) tags: Tag[] = []
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

class Review extends Entity {
  @Relation(() => User) createdBy: User
  @Relation(() => User) approvedBy: User
  @Relation(() => Story) story: Story
  constructor(createdBy: User, approvedBy: User, story: Story) {
    super()
    this.createdBy = createdBy
    this.approvedBy = approvedBy
    this.story = story
  }
}

const SAMPLE = [User, Story, Review, Tag]

// Only optional and to-many relations: nothing depends on anything.

class Person extends Entity {
  @Column() name: string
  @Relation(() => Person, { nullable: true }) mentor?: Person
  @Relation(() => Person) friends: Person[] = []
  @Relation(() => Label) labels: Label[] = []
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Label extends Entity {
  @Column() text: string
  @Relation(() => Person, { nullable: true }) owner?: Person
  constructor(text: string) {
    super()
    this.text = text
  }
}

// Relations declared on an abstract ancestor that is not booted.

class Writer extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

abstract class Authored extends Entity {
  @Relation(() => Writer) author: Writer
  @Relation(() => Writer, { nullable: true }) reviewer?: Writer
}

class Essay extends Authored {
  @Column() title: string
  constructor(title: string, author: Writer) {
    super()
    this.title = title
    this.author = author
  }
}

class Poem extends Authored {
  @Column() verse: string
  constructor(verse: string, author: Writer) {
    super()
    this.verse = verse
    this.author = author
  }
}

// Required cycles, which boot refuses. A property typed with a class declared further down would
// make the emitted decorator metadata read that class before its initialization; `Ref<T>` keeps the
// type and emits plain Object instead.
type Ref<T> = T

class Node extends Entity {
  @Column() name: string
  @Relation(() => Node) parent: Node
  constructor(name: string, parent: Node) {
    super()
    this.name = name
    this.parent = parent
  }
}

class Chicken extends Entity {
  @Column() name: string
  @Relation(() => Egg) egg: Ref<Egg>
  constructor(name: string, egg: Egg) {
    super()
    this.name = name
    this.egg = egg
  }
}

class Egg extends Entity {
  @Column() size: string
  @Relation(() => Chicken) chicken: Chicken
  constructor(size: string, chicken: Chicken) {
    super()
    this.size = size
    this.chicken = chicken
  }
}

// The same two classes with one side optional: allowed.

class Hen extends Entity {
  @Column() name: string
  @Relation(() => Nest, { nullable: true }) nest?: Ref<Nest>
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Nest extends Entity {
  @Column() place: string
  @Relation(() => Hen) hen: Hen
  constructor(place: string, hen: Hen) {
    super()
    this.place = place
    this.hen = hen
  }
}

async function bootError(run: () => Promise<void>): Promise<BootError> {
  const error = await run().then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(BootError)
  return error as BootError
}

// The graph depends only on the booted classes, not on the database: one dialect is enough.
describeEachDialect(
  'dependents graph',
  (db) => {
    it('lists the required to-one props of every class that depends on User', async () => {
      await db.boot(SAMPLE)
      expect(ORM.dependentsOf(User)).toEqual({ Story: ['createdBy'], Review: ['createdBy', 'approvedBy'] })
    })

    it('lists Review.story as the only dependent of Story', async () => {
      await db.boot(SAMPLE)
      expect(ORM.dependentsOf(Story)).toEqual({ Review: ['story'] })
    })

    it('gives no dependents for a class referenced only through a to-many relation', async () => {
      await db.boot(SAMPLE)
      expect(ORM.dependentsOf(Tag)).toEqual({})
      expect(ORM.dependentsOf(Review)).toEqual({})
    })

    it('never makes a dependent out of an optional relation', async () => {
      await db.boot(SAMPLE)
      expect(ORM.dependentsOf(User).Story).toEqual(['createdBy'])
      expect(ORM.dependentsGraph().edges.some((edge) => edge.property === 'editor')).toBe(false)
    })

    it('gives an empty graph for a model of only optional and to-many relations', async () => {
      await db.boot([Person, Label])
      expect(ORM.dependentsOf(Person)).toEqual({})
      expect(ORM.dependentsOf(Label)).toEqual({})
      expect(ORM.dependentsGraph().edges).toEqual([])
      expect(ORM.dependentsGraph().toMermaid()).toBe('flowchart LR\n  Person\n  Label')
    })

    it('renders the sample model as this exact Mermaid flowchart', async () => {
      await db.boot(SAMPLE)
      expect(ORM.dependentsGraph().toMermaid()).toBe(
        [
          'flowchart LR',
          '  Story -->|createdBy| User',
          '  Review -->|createdBy| User',
          '  Review -->|approvedBy| User',
          '  Review -->|story| Story',
          '  Tag',
        ].join('\n'),
      )
    })

    it('orders the Mermaid edges by boot order, not by declaration order in the file', async () => {
      await db.boot([Tag, Review, Story, User])
      expect(ORM.dependentsGraph().toMermaid()).toBe(
        [
          'flowchart LR',
          '  Review -->|createdBy| User',
          '  Review -->|approvedBy| User',
          '  Review -->|story| Story',
          '  Story -->|createdBy| User',
          '  Tag',
        ].join('\n'),
      )
    })

    it('exposes the class names in boot order and one edge per required to-one relation', async () => {
      await db.boot(SAMPLE)
      const graph = ORM.dependentsGraph()
      expect(graph.classes).toEqual(['User', 'Story', 'Review', 'Tag'])
      expect(graph.edges).toEqual([
        { dependent: 'Story', property: 'createdBy', target: 'User' },
        { dependent: 'Review', property: 'createdBy', target: 'User' },
        { dependent: 'Review', property: 'approvedBy', target: 'User' },
        { dependent: 'Review', property: 'story', target: 'Story' },
      ])
    })

    it('answers dependentsOf by class name on the graph object as ORM.dependentsOf does', async () => {
      await db.boot(SAMPLE)
      const graph = ORM.dependentsGraph()
      expect(graph.dependentsOf('User')).toEqual(ORM.dependentsOf(User))
      expect(graph.dependentsOf('Story')).toEqual({ Review: ['story'] })
      expect(graph.dependentsOf('Tag')).toEqual({})
    })

    it('makes each concrete subclass a dependent through a relation declared on an abstract ancestor', async () => {
      await db.boot([Writer, Essay, Poem])
      expect(ORM.dependentsOf(Writer)).toEqual({ Essay: ['author'], Poem: ['author'] })
      expect(ORM.dependentsGraph().classes).toEqual(['Writer', 'Essay', 'Poem'])
      expect(ORM.dependentsGraph().toMermaid()).toBe(
        ['flowchart LR', '  Essay -->|author| Writer', '  Poem -->|author| Writer'].join('\n'),
      )
    })

    it('refuses a required self-reference at boot with a BootError naming the cycle', async () => {
      const error = await bootError(() => db.boot([Node]))
      expect(error.message).toContain('Node.parent -> Node')
      expect(error.message).toMatch(/cycle/)
      expect(error.message).toContain('nullable: true')
    })

    it('refuses a required cycle of two classes at boot with a BootError naming both steps', async () => {
      const error = await bootError(() => db.boot([Chicken, Egg]))
      expect(error.message).toContain('Chicken.egg -> Egg.chicken -> Chicken')
      expect(error.message).toMatch(/cycle/)
      expect(error.message).toContain('nullable: true')
    })

    it('accepts the same two classes once one side of the cycle is optional', async () => {
      await db.boot([Hen, Nest])
      expect(ORM.dependentsOf(Hen)).toEqual({ Nest: ['hen'] })
      expect(ORM.dependentsOf(Nest)).toEqual({})
    })
  },
  ['sqlite-memory'],
)
