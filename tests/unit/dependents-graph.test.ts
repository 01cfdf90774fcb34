import { describe, expect, it } from 'vitest'
import { BootError, Column, Entity, Relation, SoftDel, SoftDelUuid } from '../../lib/index.js'
import { analyzeRelations, type DependentsGraph } from '../../lib/graph/dependents-graph.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import type { MetadataRegistry } from '../../lib/metadata/metadata-registry.js'
import { Review, Story, Tag, User } from '../support/model.js'

// The dependents graph and its cycle checks, analysed from metadata built without a database.

interface Analysis {
  readonly graph: DependentsGraph
  readonly registry: MetadataRegistry
  /** The class names in the order a flush inserts them. */
  readonly insertOrder: string[]
  meta(ctor: object): EntityMetadata
}

/** Builds metadata as ORM.boot() does and analyses its relations. */
function analyze(classes: readonly unknown[]): Analysis {
  const registry = buildMetadata(classes, { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
  const graph = analyzeRelations(registry)
  const insertOrder = [...registry.entities].sort((a, b) => graph.insertRank(a) - graph.insertRank(b)).map((meta) => meta.className)
  return { graph, registry, insertOrder, meta: (ctor) => registry.forClass(ctor)! }
}

/** The error analysing these classes throws; fails the test when they pass. */
function refusal(classes: readonly unknown[]): BootError {
  let error: unknown
  try {
    analyze(classes)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(BootError)
  return error as BootError
}

/** Per owner class name, the relation properties of a dependencyRelations/referenceRelations answer. */
function byOwner(relations: ReadonlyMap<EntityMetadata, readonly { property: string }[]>): Record<string, string[]> {
  return Object.fromEntries([...relations].map(([owner, list]) => [owner.className, list.map((relation) => relation.property)]))
}

const SAMPLE = [User, Story, Review, Tag]

// Only optional and to-many relations: nothing depends on anything.

class Person extends Entity {
  @Column() name: string
  @Relation(() => Person, { nullable: true }) mentor?: Person
  @Relation(() => Person) friends: Person[] = []
  @Relation(() => Label) labels: Label[] = []
}

class Label extends Entity {
  @Column() text: string
  @Relation(() => Person, { nullable: true }) owner?: Person
}

// Relations declared on an abstract ancestor that is not booted.

class Writer extends Entity {
  @Column() name: string
}

abstract class Authored extends Entity {
  @Relation(() => Writer) author: Writer
  @Relation(() => Writer, { nullable: true }) reviewer?: Writer
}

class Essay extends Authored {
  @Column() title: string
}

class Poem extends Authored {
  @Column() verse: string
}

// Required cycles, which boot refuses. `Ref<T>` keeps a forward reference's type out of the emitted
// decorator metadata, which would read the class before its initialization.
type Ref<T> = T

class Node extends Entity {
  @Relation(() => Node) parent: Node
}

class Chicken extends Entity {
  @Relation(() => Egg) egg: Ref<Egg>
}

class Egg extends Entity {
  @Relation(() => Chicken) chicken: Chicken
}

/** Depends on a class of a cycle without being part of it. */
class Farmer extends Entity {
  @Relation(() => Chicken) chicken: Chicken
}

class Rock extends Entity {
  @Relation(() => Paper) paper: Ref<Paper>
}

class Paper extends Entity {
  @Relation(() => Scissors) scissors: Ref<Scissors>
}

class Scissors extends Entity {
  @Relation(() => Rock) rock: Rock
}

// The same two classes with one side optional: allowed.

class Hen extends Entity {
  @Relation(() => Nest, { nullable: true }) nest?: Ref<Nest>
}

class Nest extends Entity {
  @Relation(() => Hen) hen: Hen
}

// Optional references only, in both directions: either order works, the ranker keeps one.

class Left extends Entity {
  @Relation(() => Right, { nullable: true }) right?: Ref<Right>
}

class Right extends Entity {
  @Relation(() => Left, { nullable: true }) left?: Left
}

describe('dependents graph: dependents', () => {
  it('lists the required to-one props of every class that depends on User', () => {
    expect(analyze(SAMPLE).graph.dependentsOf('User')).toEqual({ Story: ['createdBy'], Review: ['createdBy', 'approvedBy'] })
  })

  it('lists Review.story as the only dependent of Story', () => {
    expect(analyze(SAMPLE).graph.dependentsOf('Story')).toEqual({ Review: ['story'] })
  })

  it('gives no dependents for a class referenced only through a to-many relation', () => {
    const { graph } = analyze(SAMPLE)
    expect(graph.dependentsOf('Tag')).toEqual({})
    expect(graph.dependentsOf('Review')).toEqual({})
  })

  it('never makes a dependent out of an optional relation', () => {
    const { graph } = analyze(SAMPLE)
    expect(graph.dependentsOf('User').Story).toEqual(['createdBy'])
    expect(graph.edges.some((edge) => edge.property === 'editor')).toBe(false)
  })

  it('exposes the class names in boot order and one edge per required to-one relation', () => {
    const { graph } = analyze(SAMPLE)
    expect(graph.classes).toEqual(['User', 'Story', 'Review', 'Tag'])
    expect(graph.edges).toEqual([
      { dependent: 'Story', property: 'createdBy', target: 'User' },
      { dependent: 'Review', property: 'createdBy', target: 'User' },
      { dependent: 'Review', property: 'approvedBy', target: 'User' },
      { dependent: 'Review', property: 'story', target: 'Story' },
    ])
  })

  it('makes each concrete subclass a dependent through a relation declared on an abstract ancestor', () => {
    const { graph } = analyze([Writer, Essay, Poem])
    expect(graph.dependentsOf('Writer')).toEqual({ Essay: ['author'], Poem: ['author'] })
    expect(graph.classes).toEqual(['Writer', 'Essay', 'Poem'])
  })

  it('gives an empty graph for a model of only optional and to-many relations', () => {
    const { graph } = analyze([Person, Label])
    expect(graph.dependentsOf('Person')).toEqual({})
    expect(graph.dependentsOf('Label')).toEqual({})
    expect(graph.edges).toEqual([])
  })
})

describe('dependents graph: relations by target', () => {
  it('gives per dependent class the required relations pointing at a class', () => {
    const { graph, meta } = analyze(SAMPLE)
    expect(byOwner(graph.dependencyRelations(meta(User)))).toEqual({ Story: ['createdBy'], Review: ['createdBy', 'approvedBy'] })
    expect(byOwner(graph.dependencyRelations(meta(Story)))).toEqual({ Review: ['story'] })
    expect(graph.dependencyRelations(meta(Tag)).size).toBe(0)
  })

  it('gives per class every to-one and to-many relation pointing at a class, optional ones too, inverse views never', () => {
    const { graph, meta } = analyze(SAMPLE)
    expect(byOwner(graph.referenceRelations(meta(User)))).toEqual({ Story: ['createdBy', 'editor'], Review: ['createdBy', 'approvedBy'] })
    expect(byOwner(graph.referenceRelations(meta(Tag)))).toEqual({ Story: ['tags'] })
    expect(byOwner(graph.referenceRelations(meta(Story)))).toEqual({ Review: ['story'] })
    expect(graph.referenceRelations(meta(Review)).size).toBe(0)
  })

  it('counts a self-reference and a to-many relation to its own class as references, not dependencies', () => {
    const { graph, meta } = analyze([Person, Label])
    expect(byOwner(graph.referenceRelations(meta(Person)))).toEqual({ Person: ['mentor', 'friends'], Label: ['owner'] })
    expect(graph.dependencyRelations(meta(Person)).size).toBe(0)
  })
})

describe('dependents graph: insert order', () => {
  it('inserts every required target before its dependents, whatever the boot order', () => {
    expect(analyze(SAMPLE).insertOrder).toEqual(['User', 'Story', 'Review', 'Tag'])
    expect(analyze([Review, Tag, Story, User]).insertOrder).toEqual(['Tag', 'User', 'Story', 'Review'])
  })

  it('inserts optional targets first too when no cycle prevents it', () => {
    expect(analyze([Label, Person]).insertOrder).toEqual(['Person', 'Label'])
    expect(analyze([Writer, Essay]).insertOrder).toEqual(['Writer', 'Essay'])
  })

  it('orders a cycle that is optional on one side by its required side', () => {
    expect(analyze([Nest, Hen]).insertOrder).toEqual(['Hen', 'Nest'])
  })

  it('ranks both classes of a cycle of optional references, in boot order', () => {
    expect(analyze([Left, Right]).insertOrder).toEqual(['Left', 'Right'])
    expect(analyze([Right, Left]).insertOrder).toEqual(['Right', 'Left'])
  })
})

describe('dependents graph: cycles', () => {
  const cycle = (steps: string): string =>
    `The required relations ${steps} form a cycle: no row of these classes could ever be inserted first, ` +
    'or deleted. Make one of them optional with { nullable: true }.'

  it('refuses a required self-reference, naming the cycle', () => {
    expect(refusal([Node]).message).toBe(cycle('Node.parent -> Node'))
  })

  it('refuses a required cycle of two classes, naming both steps from the first class booted', () => {
    expect(refusal([Chicken, Egg]).message).toBe(cycle('Chicken.egg -> Egg.chicken -> Chicken'))
    expect(refusal([Egg, Chicken]).message).toBe(cycle('Egg.chicken -> Chicken.egg -> Egg'))
  })

  it('refuses a required cycle of three classes', () => {
    expect(refusal([Rock, Paper, Scissors]).message).toBe(cycle('Rock.paper -> Paper.scissors -> Scissors.rock -> Rock'))
  })

  it('names only the cycle, not the path that led to it', () => {
    expect(refusal([Farmer, Chicken, Egg]).message).toBe(cycle('Chicken.egg -> Egg.chicken -> Chicken'))
  })

  it('accepts the same two classes once one side of the cycle is optional', () => {
    const { graph } = analyze([Hen, Nest])
    expect(graph.dependentsOf('Hen')).toEqual({ Nest: ['hen'] })
    expect(graph.dependentsOf('Nest')).toEqual({})
  })
})

describe('dependents graph: toMermaid', () => {
  it('renders the sample model as this exact Mermaid flowchart', () => {
    expect(analyze(SAMPLE).graph.toMermaid()).toBe(
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

  it('orders the Mermaid edges by boot order, not by declaration order in the file', () => {
    expect(analyze([Tag, Review, Story, User]).graph.toMermaid()).toBe(
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

  it('lists classes without edges alone, and subclasses of an abstract ancestor each with their edge', () => {
    expect(analyze([Person, Label]).graph.toMermaid()).toBe('flowchart LR\n  Person\n  Label')
    expect(analyze([Writer, Essay, Poem]).graph.toMermaid()).toBe(
      ['flowchart LR', '  Essay -->|author| Writer', '  Poem -->|author| Writer'].join('\n'),
    )
  })
})
