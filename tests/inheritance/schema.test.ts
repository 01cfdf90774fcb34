import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { BootError, Column, DbManager, Entity, ORM, Relation, SoftDel, Table } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { columnNames, rawRows } from '../support/raw-sql.js'
import { bootWithReboot } from './harness.js'
import { Badge, Customer, Employee, HIERARCHY, Manager, Note, Person, SOFT_HIERARCHY } from './model.js'

// Invalid hierarchies, declared here because only this file boots them.

class Vehicle extends Entity {
  @Column() wheels: number
}
class Car extends Vehicle {
  @Column({ name: 'label' }) brand: string
}
class Boat extends Vehicle {
  @Column({ name: 'label' }) hull: number
}

class Animal extends Entity {
  @Column() name: string
}
@Table({ name: 'dogs' })
class Dog extends Animal {}

abstract class Shape extends Entity {
  @Column() sides: number
}
class Square extends Shape {}
class Triangle extends Shape {}

class Account extends SoftDel {
  @Column({ unique: true }) email: string
}
class Admin extends Account {
  @Column({ unique: true, nullable: true }) badge?: string
}

describeEachDialect('concrete inheritance: schema', (db) => {
  it('makes the columns only subclasses map nullable in the shared table, and adds no table per subclass', async () => {
    await db.boot(HIERARCHY)
    expect(await columnNames('person')).toEqual(['created_at', 'entity_type', 'id', 'mentor_id', 'name', 'salary', 'segment', 'updated_at', 'budget'].sort())
    const employee = new Employee('bob', 1)
    await ORM.flush()
    expect(await rawRows(`SELECT salary FROM person WHERE id = ${ORM.dialect === 'postgres' ? '$1' : '?'}`, [employee.id])).toEqual([{ salary: 1 }])
    // The ORM still requires the subclass's required property.
    const unpaid = new Employee('eve', 1)
    ;(unpaid as { salary?: number }).salary = undefined
    await expect(ORM.flush()).rejects.toThrow(/Employee\.salary/)
    await ORM.discardPending()
    expect(await Employee.count()).toBe(1)
  })

  it('has an empty schema diff for a booted, unchanged hierarchy, also after a second boot', async () => {
    const reboot = await bootWithReboot(db, [...HIERARCHY, ...SOFT_HIERARCHY])
    expect(await ORM.schemaDiff()).toEqual([])
    await reboot()
    expect(await ORM.schemaDiff()).toEqual([])
    expect(await DbManager.dropUnusedColumns()).toEqual([])
  })

  it('boots with skipTableCreation without a warning, and generates no migration for it', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    new Manager('cid', 20)
    await ORM.flush()
    const warnings: string[] = []
    await reboot(HIERARCHY, { skipTableCreation: true, logger: { warn: (message) => warnings.push(message) } })
    expect(warnings).toEqual([])
    const dir = mkdtempSync(join(tmpdir(), 'veil-inherit-'))
    try {
      expect(await ORM.migrations.generate('nothing', { dir })).toBeUndefined()
      expect(await ORM.migrations.pending({ dir })).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect((await Employee.find())[0]).toBeInstanceOf(Manager)
  })

  it("adds the discriminator and the columns of a subclass booted later, keeping the existing rows as the root's", async () => {
    const reboot = await bootWithReboot(db, [Badge, Person, Note])
    const ann = new Person('ann')
    await ORM.flush()
    expect(await columnNames('person')).not.toContain('entity_type')
    await reboot([Badge, Person, Customer, Note])
    expect(await columnNames('person')).toEqual(expect.arrayContaining(['entity_type', 'segment']))
    new Customer('dan')
    await ORM.flush()
    const people = await Person.find()
    expect(people.map((person) => person.constructor.name)).toEqual(['Person', 'Customer'])
    expect(people[0]?.id).toBe(ann.id)
    expect(await Customer.count()).toBe(1)
  })

  it('applies a unique column of a subclass to the shared table, among live rows of a soft-deletable root', async () => {
    await db.boot([Account, Admin])
    new Admin().email = 'a@x'
    await ORM.flush()
    const second = new Account()
    second.email = 'a@x'
    await expect(ORM.flush()).rejects.toThrow(/email/)
    await ORM.discardPending()
    expect(await ORM.schemaDiff()).toEqual([])
  })

  it('refuses two classes of one hierarchy mapping one column with different types, naming both', async () => {
    await expect(db.boot([Vehicle, Car, Boat])).rejects.toThrow(BootError)
    await expect(db.boot([Vehicle, Car, Boat])).rejects.toThrow(/Car\.brand and Boat\.hull share a table/)
  })

  it('refuses @Table() on a subclass of a booted class', async () => {
    await expect(db.boot([Animal, Dog])).rejects.toThrow(/Dog has @Table\(\) but Animal, a booted ancestor, holds its rows/)
  })

  it('keeps a table per booted class below an abstract ancestor that is not booted, with no discriminator', async () => {
    await db.boot([Square, Triangle])
    new Square().sides = 4
    await ORM.flush()
    expect(await columnNames('square')).toEqual(['created_at', 'id', 'sides', 'updated_at'])
    expect(await columnNames('triangle')).toEqual(['created_at', 'id', 'sides', 'updated_at'])
  })
})
