import { expect, it } from 'vitest'
import { DependentsError, ORM, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawCount } from '../support/raw-sql.js'
import { bootWithReboot } from './harness.js'
import { Badge, Employee, HIERARCHY, Manager, Note, Person, Team } from './model.js'

describeEachDialect('concrete inheritance: relations and deletes', (db) => {
  it('accepts an employee where a relation points at Person, and reads it back as an Employee', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    const bob = new Employee('bob', 10)
    const note = new Note('hello', bob)
    bob.mentor = new Manager('cid', 20)
    await ORM.flush()
    await reboot()
    const [found] = await Note.find({ relations: { author: true } })
    expect(found?.author).toBeInstanceOf(Employee)
    expect(found?.author.name).toBe('bob')
    expect(found?.id).toBe(note.id)
    const reread = (await Employee.findById(bob.id, { relations: { mentor: true } })) as Employee
    expect(reread.mentor).toBeInstanceOf(Manager)
    expect(reread.mentor?.name).toBe('cid')
  })

  it('refuses a plain Person where a relation points at Employee, with a ValidationError that changes nothing', async () => {
    await db.boot(HIERARCHY)
    const bob = new Employee('bob', 10)
    await ORM.flush()
    const team = new Team('core', bob)
    team.lead = new Person('ann') as Employee
    await expect(ORM.flush()).rejects.toBeInstanceOf(ValidationError)
    await ORM.discardPending()
    expect(await rawCount('SELECT COUNT(*) AS n FROM team')).toBe(0)
    expect(await Person.count()).toBe(1)
  })

  it('matches a where through a relation to any class of the hierarchy', async () => {
    await db.boot(HIERARCHY)
    const ann = new Person('ann')
    const bob = new Employee('bob', 10)
    new Note('by ann', ann)
    new Note('by bob', bob)
    new Team('core', new Manager('cid', 20))
    await ORM.flush()
    expect((await Note.find({ where: { author: { name: 'bob' } } })).map((note) => note.text)).toEqual(['by bob'])
    // Person maps no salary: a where through Note.author names Person's properties only.
    await expect(Note.find({ where: { author: { salary: 10 } } as object })).rejects.toBeInstanceOf(ValidationError)
    expect((await Team.find({ where: { lead: { name: 'cid' } } })).map((team) => team.title)).toEqual(['core'])
    expect(await Team.count({ where: { lead: { name: 'bob' } } })).toBe(0)
    const authors = await Person.find({ where: { notes: { text: 'by bob' } } })
    expect(authors).toEqual([bob])
  })

  it('loads the inverse view inherited from the root on a subclass instance', async () => {
    const reboot = await bootWithReboot(db, HIERARCHY)
    const bob = new Employee('bob', 10)
    new Note('one', bob)
    new Note('two', bob)
    await ORM.flush()
    await reboot()
    const again = (await Employee.findById(bob.id)) as Employee
    expect((await again.notes).map((note) => note.text)).toEqual(['one', 'two'])
  })

  it('refreshes an inverse view of the root relation after a subclass instance changes it', async () => {
    await db.boot(HIERARCHY)
    const gold = new Badge('gold')
    const ann = new Person('ann')
    ann.tags.push(gold)
    const bob = new Employee('bob', 10)
    await ORM.flush()
    expect(await gold.people).toEqual([ann])
    bob.tags.push(gold)
    await ORM.flush()
    expect(await gold.people).toEqual([ann, bob])
  })

  it('lists the dependents of every class of the hierarchy in the graph', async () => {
    await db.boot(HIERARCHY)
    expect(ORM.dependentsOf(Person)).toEqual({ Note: ['author'], Team: ['lead'] })
    expect(ORM.dependentsOf(Employee)).toEqual({ Note: ['author'], Team: ['lead'] })
    expect(ORM.dependentsOf(Manager)).toEqual({ Note: ['author'], Team: ['lead'] })
    expect(ORM.dependentsGraph().edges).toEqual([
      { dependent: 'Note', property: 'author', target: 'Person' },
      { dependent: 'Team', property: 'lead', target: 'Employee' },
    ])
  })

  it('refuses to delete a manager that a note and a team still point at, and lists them', async () => {
    await db.boot(HIERARCHY)
    const cid = new Manager('cid', 20)
    const note = new Note('by cid', cid)
    const team = new Team('core', cid)
    await ORM.flush()
    expect(await cid.getDependents()).toEqual({ Note: [[note], ['author']], Team: [[team], ['lead']] })
    const refused = await cid.delete().catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DependentsError)
    expect((refused as DependentsError).counts).toEqual({ Note: { author: 1 }, Team: { lead: 1 } })
    expect(await Person.count()).toBe(1)
    await note.delete()
    await team.delete()
    await cid.delete()
    expect(await Person.count()).toBe(0)
  })

  it('deletes with a where within the class only, refusing while dependents remain', async () => {
    await db.boot(HIERARCHY)
    const ann = new Person('ann')
    new Employee('bob', 10)
    const cid = new Manager('cid', 20)
    new Team('core', cid)
    await ORM.flush()
    await expect(Employee.delete({ where: {} })).rejects.toBeInstanceOf(DependentsError)
    expect(await Person.count()).toBe(3)
    expect(await Employee.delete({ where: { name: 'bob' } })).toBe(1)
    expect(await Employee.delete({ where: { name: 'ann' } })).toBe(0)
    expect((await Person.find()).map((person) => person.name)).toEqual(['ann', 'cid'])
    expect(await Person.findById(ann.id)).toBe(ann)
  })
})
