import { describe, expect, it } from 'vitest'
import { BootError, Column, Entity, Relation, SoftDel, SoftDelUuid, Table, type IdType } from '../../lib/index.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { MetadataRegistry } from '../../lib/metadata/metadata-registry.js'

// Boot's validation on hand-built classes, without a database: each refusal is a BootError with this exact message.

/** Builds metadata as ORM.boot() does, with the built-in soft-deletable bases. */
function build(classes: readonly unknown[], idTypeDefault: IdType = 'INT'): MetadataRegistry {
  return buildMetadata(classes, { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, idTypeDefault)
}

/** The error building these classes throws; fails the test when they build. */
function refusal(classes: readonly unknown[]): BootError {
  let error: unknown
  try {
    build(classes)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(BootError)
  return error as BootError
}

type Ref<T> = T

// --- classes and properties ---

class Loose {
  name = ''
}

class lowerName extends Entity {
  @Column() title: string
}

class SnakeProp extends Entity {
  @Column() First_name: string
}

class ManualId extends Entity {
  @Column() override id: number = 0
}

class ManualCreatedAt extends Entity {
  @Column() override createdAt: Date = new Date()
}

const FirstTwin = (() => {
  class Twin extends Entity {
    @Column() left: string
  }
  return Twin
})()

const SecondTwin = (() => {
  class Twin extends Entity {
    @Column() right: string
  }
  return Twin
})()

@Table({ name: 'shared_table' })
class Alpha extends Entity {}

@Table({ name: 'shared_table' })
class Beta extends Entity {}

class Renamed extends Entity {
  @Column() title: string
  @Column({ name: 'title' }) heading: string
}

// --- column types ---

// esbuild emits no decorator metadata: the decorator is applied by hand to a class that has none.
class Plain extends Entity {
  declare name: string
}
Column()(Plain.prototype, 'name')

class Owner extends Entity {
  @Column() name: string
}

class Pet extends Entity {
  @Column() owner: Owner
}

class Mapped extends Entity {
  @Column() lookup: Map<string, string>
}

class Odd extends Entity {
  @Column({ type: 'money' as never }) price: number
}

class TextVersion extends Entity {
  @Column({ version: true }) version: string
}

class TwoVersions extends Entity {
  @Column({ version: true }) version: number
  @Column({ version: true }) revision: number
}

class VersionOne extends Entity {
  @Column({ version: 1 as never }) version: number
}

// --- id types ---

class Middle extends Entity {}

class Grandchild extends Middle {
  static ormClassSettings_ = { idType: 'UUID' }
}

class StrangeId extends Entity {
  static ormClassSettings_ = { idType: 'SERIAL' }
}

class Entry extends SoftDel {}
class SubEntry extends Entry {
  static ormClassSettings_ = { idType: 'BIGINT' }
}

class Receipt extends SoftDelUuid {
  static override ormClassSettings_ = { idType: 'BIGINT' } as unknown as { idType: 'UUID' }
}

// --- relations ---

class User extends Entity {
  @Column() name: string
}

class Tag extends Entity {
  @Column() name: string
}

class Story extends Entity {
  @Relation(() => User) createdBy: User
  @Relation(() => Tag) tags: Tag[] = []
}

class PointsAtUnbooted extends Entity {
  @Relation(() => User) owner: User
}

class ThrowingTarget extends Entity {
  @Relation((): typeof User => {
    throw new Error('not yet')
  })
  owner: User
}

class UndefinedTarget extends Entity {
  @Relation(() => undefined as unknown as typeof User) owner: User
}

class Blogger extends Entity {
  @Relation(() => Story, { inverse: 'writtenBy' }) stories: Story[]
}

class Reviewer extends Entity {
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
}

class Fan extends Entity {
  @Relation(() => Story, { inverse: 'createdBy' }) story: Story
}

class Badge extends Entity {
  @Relation(() => User, { through: 'badge_holders' }) holder: User
}

class Shelf extends Entity {
  @Relation(() => Tag, { name: 'tag_ref' }) tags: Tag[]
}

class Drawer extends Entity {
  @Relation(() => Tag, { nullable: true }) tags: Tag[]
}

class DoublyMapped extends Entity {
  @Column()
  @Relation(() => User)
  owner: User
}

class Untyped extends Entity {
  declare labels: Tag[]
}
Relation(() => Tag)(Untyped.prototype, 'labels')

class Contradicting extends Entity {
  @Relation(() => Tag, { many: false }) labels: Tag[]
}

class Vague extends Entity {
  @Relation(() => Tag, { many: 'yes' as never }) labels: Tag[]
}

class Collector extends Entity {
  @Relation(() => Tag, { through: 'tag' }) tags: Tag[]
}

class Folder extends Entity {
  @Relation(() => Folder) folder: Folder[] = []
  @Relation(() => Folder, { nullable: true }) parent?: Ref<Folder>
}

describe('metadata validation: classes and properties', () => {
  it('refuses a value that does not extend Entity', () => {
    expect(refusal([Loose]).message).toBe(
      'Loose was passed to ORM.boot() but does not extend Entity. Make it extend Entity, SoftDel or SoftDelUuid.',
    )
  })

  it('refuses a class name that is not PascalCase', () => {
    expect(refusal([lowerName]).message).toBe(
      "Class name 'lowerName' is not PascalCase. Entity classes must be named like 'Account' or 'OrderItem' " +
        '(letters and digits, starting with an upper-case letter).',
    )
  })

  it('refuses a property name that is not camelCase', () => {
    expect(refusal([SnakeProp]).message).toBe(
      "SnakeProp.First_name is not camelCase. Mapped properties must be named like 'email' or 'bornAt' " +
        '(letters and digits, starting with a lower-case letter).',
    )
  })

  it('refuses @Column() on the managed properties id and createdAt', () => {
    const managed = (path: string): string =>
      `${path} is managed by veil-orm and cannot be declared with @Column(). ` +
      'Remove the decorator; every entity already has id, createdAt and updatedAt.'
    expect(refusal([ManualId]).message).toBe(managed('ManualId.id'))
    expect(refusal([ManualCreatedAt]).message).toBe(managed('ManualCreatedAt.createdAt'))
  })

  it('refuses two different classes with the same name', () => {
    expect(refusal([FirstTwin, SecondTwin]).message).toBe(
      'Two different classes named Twin were passed to ORM.boot(). Class names must be unique; rename one of them.',
    )
  })

  it('accepts the same class passed twice and built-in bases, which get no table', () => {
    const registry = build([SoftDel, User, User, SoftDelUuid])
    expect(registry.entities.map((meta) => meta.className)).toEqual(['User'])
  })

  it('refuses two classes that map to the same table', () => {
    expect(refusal([Alpha, Beta]).message).toBe(
      'Alpha and Beta both map to the table "shared_table". Give one of them another name with @Table({ name }).',
    )
  })

  it('refuses two properties that map to the same column', () => {
    expect(refusal([Renamed]).message).toBe(
      'Renamed.title and Renamed.heading both map to the column "title". Give one of them another name with @Column({ name }).',
    )
  })
})

describe('metadata validation: column types', () => {
  it('names Class.property and asks for an explicit type when a property has no design:type metadata', () => {
    expect(refusal([Plain]).message).toBe(
      "Plain.name has no type: no 'design:type' decorator metadata was emitted for it " +
        "(esbuild, tsx, Vite, vitest's default transform and Bun never emit it). " +
        "Pass an explicit type, e.g. @Column({ type: 'text' }), or compile with tsc or SWC and " +
        "'emitDecoratorMetadata': true.",
    )
  })

  it('refuses a column typed as another entity and points to @Relation', () => {
    expect(refusal([Owner, Pet]).message).toBe(
      'Pet.owner is typed as the entity Owner; @Column() cannot store an entity. Use @Relation(() => Owner) for a reference to another entity.',
    )
  })

  it('refuses a design type it cannot map and lists the explicit types', () => {
    expect(refusal([Mapped]).message).toBe(
      'Mapped.lookup has the design type Map, which veil-orm cannot map to a column. ' +
        "Pass an explicit type: @Column({ type: 'text' | 'integer' | 'bigint' | 'real' | 'boolean' | 'date' | 'json' | 'uuid' }).",
    )
  })

  it('refuses an unknown type option', () => {
    expect(refusal([Odd]).message).toBe(
      'Odd.price has the unknown column type "money"; use one of text, integer, bigint, real, boolean, date, json, uuid.',
    )
  })

  it('refuses a version column that is not a number, a second one, and a version option that is not true', () => {
    expect(refusal([TextVersion]).message).toBe(
      'TextVersion.version is a version column: declare it as @Column({ version: true }) version: number ' +
        '(an integer, not nullable, not unique).',
    )
    expect(refusal([TwoVersions]).message).toBe(
      'TwoVersions.revision is a second version column; a class has at most one @Column({ version: true }).',
    )
    expect(refusal([VersionOne]).message).toBe('VersionOne.version has version: 1; use version: true or leave it out.')
  })
})

describe('metadata validation: id types', () => {
  it('refuses ormClassSettings_ on a grandchild of Entity or of SoftDel', () => {
    const notDirect = (name: string): string =>
      `${name} sets 'static ormClassSettings_' but does not extend Entity directly. ` +
      'Only a direct child of Entity may choose the idType; its descendants inherit it.'
    expect(refusal([Grandchild]).message).toBe(notDirect('Grandchild'))
    expect(refusal([SoftDel, SubEntry]).message).toBe(notDirect('SubEntry'))
  })

  it('refuses ormClassSettings_ on a descendant of SoftDelUuid, which fixes the idType', () => {
    expect(refusal([SoftDelUuid, Receipt]).message).toContain("Receipt sets 'static ormClassSettings_'")
  })

  it('refuses an unknown idType in ormClassSettings_', () => {
    expect(refusal([StrangeId]).message).toBe(`StrangeId has the idType "SERIAL"; use 'INT', 'BIGINT' or 'UUID'.`)
  })

  it('gives foreign keys the id type of their target', () => {
    const registry = build([User, Tag, Story], 'BIGINT')
    const story = registry.forClass(Story)!
    expect(story.idType).toBe('BIGINT')
    expect(story.byProperty.get('createdBy')?.type).toBe('bigint')
  })
})

describe('metadata validation: relations', () => {
  it('refuses a relation whose target class was not passed to boot', () => {
    expect(refusal([PointsAtUnbooted]).message).toBe(
      '@Relation() on PointsAtUnbooted.owner is invalid: it points at User, which was not passed to ORM.boot(); ' +
        'a relation needs a class with a table of its own.',
    )
  })

  it('refuses a target function that throws or returns no class', () => {
    expect(refusal([User, ThrowingTarget]).message).toBe(
      '@Relation() on ThrowingTarget.owner is invalid: its target function threw: Error: not yet.',
    )
    expect(refusal([User, UndefinedTarget]).message).toBe(
      '@Relation() on UndefinedTarget.owner is invalid: its target function did not return a class (is there an import cycle?).',
    )
  })

  it('refuses an inverse view naming a relation the target does not have, or one pointing at another class', () => {
    const badInverse = (path: string, inverse: string, owner: string): string =>
      `${path} is declared as the inverse of Story.${inverse}, but Story has no relation '${inverse}' ` +
      `pointing at ${owner}. Name a to-one or to-many @Relation of Story whose target is ${owner}.`
    expect(refusal([User, Tag, Story, Blogger]).message).toBe(badInverse('Blogger.stories', 'writtenBy', 'Blogger'))
    expect(refusal([User, Tag, Story, Reviewer]).message).toBe(badInverse('Reviewer.stories', 'createdBy', 'Reviewer'))
  })

  it('refuses an inverse view on a property that is not an array', () => {
    expect(refusal([User, Tag, Story, Fan]).message).toBe(
      'Fan.story is an inverse view ({ inverse }) but is not typed as an array; type it as Target[] (an inverse view is always many).',
    )
  })

  it('refuses { through } on a to-one relation', () => {
    expect(refusal([User, Badge]).message).toBe(
      "Badge.holder is a to-one relation: 'through' names a junction table, which only to-many relations " +
        '(typed as an array, or { many: true }) have. Name its foreign-key column with { name }.',
    )
  })

  it('refuses { name } and { nullable } on a to-many relation', () => {
    const onCollection = (path: string): string =>
      `${path} is a to-many relation: 'name' and 'nullable' only apply to to-one relations ` +
      '(a to-many relation may always be empty: declare it as tags?: Target[] if you like, undefined means no members). ' +
      'Name its junction table with { through }.'
    expect(refusal([Tag, Shelf]).message).toBe(onCollection('Shelf.tags'))
    expect(refusal([Tag, Drawer]).message).toBe(onCollection('Drawer.tags'))
  })

  it('refuses a property with both @Column() and @Relation()', () => {
    expect(refusal([User, DoublyMapped]).message).toBe(
      'DoublyMapped.owner has both @Column() and @Relation(); keep only one of them.',
    )
  })

  it('refuses a relation without metadata or { many }, naming the explicit form', () => {
    expect(refusal([Tag, Untyped]).message).toBe(
      "Untyped.labels has no 'design:type' decorator metadata (esbuild, tsx, Vite, vitest's default " +
        'transform and Bun never emit it), so veil-orm cannot tell a to-one from a to-many relation. ' +
        'Give the kind explicitly: @Relation(() => Target, { many: true }) for an array, ' +
        '@Relation(() => Target, { many: false }) for a single instance; or compile with tsc or SWC and ' +
        "'emitDecoratorMetadata': true.",
    )
  })

  it('refuses { many } that contradicts the metadata or is not a boolean', () => {
    expect(refusal([Tag, Contradicting]).message).toBe(
      'Contradicting.labels says { many: false } but is typed as an array. ' +
        'Type a to-many relation as Target[] with { many: true }, a to-one as Target with { many: false }.',
    )
    expect(refusal([Tag, Vague]).message).toBe(
      '@Relation() on Vague.labels has { many: "yes" }; use true (to-many) or false (to-one).',
    )
  })

  it('refuses a junction table named like a class table', () => {
    expect(refusal([Tag, Collector]).message).toBe(
      'Tag and Collector.tags both map to the table "tag". Give one of them another name with @Table({ name }).',
    )
  })

  it('names junction tables and columns, a self-reference by its property', () => {
    const registry = build([User, Tag, Story, Folder])
    expect(registry.forClass(Story)!.relationsByProperty.get('tags')?.junction).toMatchObject({
      tableName: 'story_tags',
      ownerColumn: 'story_id',
      targetColumn: 'tag_id',
    })
    expect(registry.forClass(Folder)!.relationsByProperty.get('folder')?.junction).toMatchObject({
      tableName: 'folder_folder',
      ownerColumn: 'folder_id',
      targetColumn: 'folder_target_id',
    })
    expect(registry.forClass(Folder)!.byProperty.get('parent')).toMatchObject({ name: 'parent_id', nullable: true })
  })
})
