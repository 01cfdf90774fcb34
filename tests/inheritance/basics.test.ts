import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows, tableNames } from '../support/raw-sql.js'
import { bootWithReboot } from './harness.js'
import { Badge, Customer, Employee, HIERARCHY, Manager, Person } from './model.js'

describeEachDialect('concrete inheritance: reads and writes', (db) => {
  it('stores every class of a booted hierarchy in the root table with its class name', async () => {
    await db.boot(HIERARCHY)
    new Person('ann')
    new Employee('bob', 10)
    new Manager('cid', 20)
    await ORM.flush()
    expect(await tableNames()).not.toContain('employee')
    const rows = await rawRows('SELECT name, entity_type, salary FROM person ORDER BY id')
    expect(rows).toEqual([
      { name: 'ann', entity_type: 'Person', salary: null },
      { name: 'bob', entity_type: 'Employee', salary: 10 },
      { name: 'cid', entity_type: 'Manager', salary: 20 },
    ])
  })

  it('returns each row of Person.find() as an instance of its own class', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    new Person('ann')
    new Employee('bob', 10)
    const cid = new Manager('cid', 20)
    cid.budget = 5
    new Customer('dan')
    await ORM.flush()
    await reboot()
    const people = await Person.find()
    expect(people.map((person) => person.constructor.name)).toEqual(['Person', 'Employee', 'Manager', 'Customer'])
    expect((people[1] as Employee).salary).toBe(10)
    expect((people[2] as Manager).budget).toBe(5)
    expect((await Employee.find()).map((person) => person.name)).toEqual(['bob', 'cid'])
    expect((await Manager.find()).map((person) => person.name)).toEqual(['cid'])
    expect((await Customer.find()).map((person) => person.name)).toEqual(['dan'])
  })

  it('streams a hierarchy batch by batch, each row as its own class, and a subclass only its own rows', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    for (let i = 0; i < 5; i++) {
      new Person(`p${i}`)
      new Employee(`e${i}`, i)
      new Manager(`m${i}`, 100 + i)
    }
    await ORM.flush()
    await reboot()
    const everyone: string[] = []
    for await (const person of Person.stream({ batchSize: 4, orderBy: { name: 'asc' } })) everyone.push(`${person.constructor.name}:${person.name}`)
    expect(everyone).toHaveLength(15)
    expect(everyone.slice(0, 3)).toEqual(['Employee:e0', 'Employee:e1', 'Employee:e2'])
    expect(everyone).toContain('Manager:m4')
    const employees: { name: string; constructor: unknown }[] = []
    for await (const employee of Employee.stream({ batchSize: 3, where: { salary: [1, 101] } })) employees.push(employee)
    expect(employees.map((employee) => (employee.constructor as { name: string }).name).sort()).toEqual(['Employee', 'Manager'])
    expect(await Person.findOne({ where: { name: 'm1' } })).toBe(employees.find((employee) => employee.name === 'm1'))
  })

  it('counts and finds by id within the class and its descendants only', async () => {
    await db.boot(HIERARCHY)
    const ann = new Person('ann')
    const bob = new Employee('bob', 10)
    new Manager('cid', 20)
    await ORM.flush()
    expect(await Person.count()).toBe(3)
    expect(await Employee.count()).toBe(2)
    expect(await Manager.count({ where: { salary: 10 } })).toBe(0)
    expect(await Employee.findOne({ where: { name: 'ann' } })).toBeUndefined()
    expect(await Person.findOne({ where: { name: 'bob' } })).toBe(bob)
    expect(await Employee.findById(ann.id)).toBeUndefined()
    expect(await Person.findById(bob.id)).toBe(bob)
    expect(await Employee.findOne({ where: { salary: 20 } })).toBeInstanceOf(Manager)
  })

  it('gives one instance per row, whichever class reads it', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    const cid = new Manager('cid', 20)
    await ORM.flush()
    await reboot()
    const [asPerson] = await Person.find()
    const [asEmployee] = await Employee.find()
    expect(asPerson).toBeInstanceOf(Manager)
    expect(asEmployee).toBe(asPerson)
    expect(await Manager.findById(cid.id)).toBe(asPerson)
  })

  it('leaves the discriminator out of toJSON()', async () => {
    await db.boot(HIERARCHY)
    const bob = new Employee('bob', 10)
    await ORM.flush()
    expect(Object.keys(bob.toJSON()).sort()).toEqual(['createdAt', 'id', 'mentor', 'name', 'salary', 'updatedAt'])
  })

  it('updates within the class only with Class.update()', async () => {
    await db.boot(HIERARCHY)
    new Person('ann')
    new Employee('bob', 10)
    new Manager('cid', 20)
    await ORM.flush()
    expect(await Employee.update({ where: {} }, { name: 'staff' })).toBe(2)
    expect((await rawRows('SELECT name FROM person ORDER BY id')).map((row) => row.name)).toEqual(['ann', 'staff', 'staff'])
  })

  it('shares an inherited to-many relation across the hierarchy', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    const gold = new Badge('gold')
    const bob = new Employee('bob', 10)
    bob.tags.push(gold)
    new Person('ann').tags.push(gold)
    await ORM.flush()
    expect(await tableNames()).toContain('person_tags')
    await reboot()
    const people = await Person.find({ relations: { tags: true } })
    expect(people.map((person) => person.tags.map((tag) => tag.label))).toEqual([['gold'], ['gold']])
    expect((await Employee.find({ where: { tags: { label: 'gold' } } })).map((person) => person.name)).toEqual(['bob'])
  })
})
