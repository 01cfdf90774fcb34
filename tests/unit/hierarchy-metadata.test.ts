import { describe, expect, it } from 'vitest'
import { Column, Entity, Relation, SoftDel, SoftDelUuid, Table } from '../../lib/index.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'

// Concrete inheritance, without a database: the metadata of a booted hierarchy and the SQL its reads get.

class Person extends SoftDel {
  @Column({ type: 'text' }) name: string
  @Relation(() => Person, { many: true }) friends: Person[]
}
class Employee extends Person {
  @Column({ type: 'integer' }) salary: number
}
class Manager extends Employee {
  @Column({ type: 'integer', nullable: true }) budget?: number
}
class Customer extends Person {
  @Column({ type: 'text', nullable: true }) segment?: string
}

const roots = { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }
const registry = buildMetadata([Person, Employee, Manager, Customer], roots, 'INT')
const metaOf = (ctor: object): EntityMetadata => registry.forClass(ctor) as EntityMetadata
const compilers = { sqlite: new QueryCompiler(new SqliteDialect(), () => undefined), postgres: new QueryCompiler(new PostgresDialect(), () => undefined) }

describe('hierarchy metadata', () => {
  it('maps every class to the root table, with the discriminator right after the built-in columns', () => {
    for (const ctor of [Person, Employee, Manager, Customer]) expect(metaOf(ctor).tableName).toBe('person')
    expect(metaOf(Manager).columns.map((column) => column.name)).toEqual(['id', 'created_at', 'updated_at', 'deleted_at', 'entity_type', 'name', 'salary', 'budget'])
    expect(metaOf(Manager).hierarchy.root).toBe(metaOf(Person))
    expect(metaOf(Manager).hierarchy.parent).toBe(metaOf(Employee))
    expect(metaOf(Person).hierarchy.descendants.map((meta) => meta.className)).toEqual(['Employee', 'Manager', 'Customer'])
  })

  it('gives an inherited collection one slot in every class and one junction table', () => {
    const slots = [Person, Employee, Manager, Customer].map((ctor) => metaOf(ctor).relationsByProperty.get('friends')?.slot)
    expect(new Set(slots).size).toBe(1)
    expect(registry.junctions.map((junction) => junction.tableName)).toEqual(['person_friends'])
    expect(metaOf(Employee).relationsByProperty.get('friends')?.inheritedFrom).toBe(metaOf(Person).relationsByProperty.get('friends'))
  })

  it('describes one table for the schema, subclass columns nullable', () => {
    const [table] = registry.tables
    expect(registry.tables).toHaveLength(1)
    expect(table?.columns.map((column) => `${column.name}${column.nullable ? '?' : ''}`)).toEqual([
      'id', 'created_at', 'updated_at', 'deleted_at?', 'entity_type', 'name', 'salary?', 'budget?', 'segment?',
    ])
    expect(new SqliteDialect().createTableSql(table as EntityMetadata)).toContain(`"entity_type" TEXT NOT NULL DEFAULT 'Person'`)
  })

  it('filters a subclass read by its class and descendants, and leaves the root read unfiltered', () => {
    for (const compiler of Object.values(compilers)) {
      expect(compiler.count(metaOf(Person), undefined).text).toBe('SELECT COUNT(*) FROM "person" WHERE "deleted_at" IS NULL')
      expect(compiler.count(metaOf(Employee), undefined).text).toBe(
        `SELECT COUNT(*) FROM "person" WHERE "deleted_at" IS NULL AND "entity_type" IN ('Employee', 'Manager')`,
      )
      expect(compiler.count(metaOf(Manager), undefined, 'all').text).toBe(`SELECT COUNT(*) FROM "person" WHERE "entity_type" = 'Manager'`)
    }
  })

  it('selects the columns of the descendants after the class own columns', () => {
    expect(compilers.sqlite.selectList(metaOf(Employee))).toBe(
      '"id", "created_at", "updated_at", "deleted_at", "entity_type", "name", "salary", "budget"',
    )
    expect(compilers.sqlite.selectList(metaOf(Customer))).toBe('"id", "created_at", "updated_at", "deleted_at", "entity_type", "name", "segment"')
  })
})

describe('hierarchy validation', () => {
  it('refuses @Table() on a booted subclass', () => {
    class Animal extends Entity {}
    @Table({ name: 'dogs' })
    class Dog extends Animal {}
    expect(() => buildMetadata([Animal, Dog], roots, 'INT')).toThrow(
      'Dog has @Table() but Animal, a booted ancestor, holds its rows: a booted hierarchy shares one table, named (and its timestamps and audit set) by @Table() on Animal. Remove @Table() from Dog.',
    )
  })

  it('refuses one column mapped with two types, naming both properties', () => {
    class Vehicle extends Entity {}
    class Car extends Vehicle {
      @Column({ type: 'text', name: 'label' }) brand: string
    }
    class Boat extends Vehicle {
      @Column({ type: 'integer', name: 'label' }) hull: number
    }
    expect(() => buildMetadata([Vehicle, Car, Boat], roots, 'INT')).toThrow(
      'Car.brand and Boat.hull share a table (one booted hierarchy) but map its column "label" differently (type or role). Give one of them another column name with @Column({ name }).',
    )
  })

  it('keeps a table per class, and no discriminator, below an ancestor that is not booted', () => {
    class Base extends Entity {
      @Column({ type: 'text' }) label: string
    }
    class Left extends Base {}
    class Right extends Base {}
    const plain = buildMetadata([Left, Right], roots, 'INT')
    expect(plain.entities.map((meta) => meta.tableName)).toEqual(['left', 'right'])
    expect(plain.entities.every((meta) => meta.discriminatorColumn === undefined)).toBe(true)
  })
})
