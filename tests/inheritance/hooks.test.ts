import { expect, it } from 'vitest'
import { AfterSoftDelete, BeforeInsert, BeforeSoftDelete, Column, ORM, SoftDel } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// A hierarchy whose classes declare hooks of their own, declared here because only this file needs hooks.

const heard: string[] = []

class Animal extends SoftDel {
  @Column({ type: 'text' }) name: string
  @BeforeInsert() named(): void {
    heard.push(`insert ${this.name}`)
  }
}
class Dog extends Animal {
  @BeforeSoftDelete() bark(): void {
    heard.push(`before ${this.name}`)
  }
  @AfterSoftDelete() whine(): void {
    heard.push(`after ${this.name}`)
  }
}
class Puppy extends Dog {}

describeEachDialect('concrete inheritance: hooks', (db) => {
  it('runs an ancestor hook on subclass instances and a subclass hook only on its own instances', async () => {
    heard.length = 0
    await db.boot([Animal, Dog, Puppy])
    const cat = new Animal()
    cat.name = 'cat'
    const rex = new Dog()
    rex.name = 'rex'
    await ORM.flush()
    expect(heard).toEqual(['insert cat', 'insert rex'])
    heard.length = 0
    await cat.softDelete()
    await rex.softDelete()
    expect(heard).toEqual(['before rex', 'after rex'])
  })

  it('runs the hooks of each row own class in a bulk soft delete of the root', async () => {
    heard.length = 0
    await db.boot([Animal, Dog, Puppy])
    for (const [Klass, name] of [[Animal, 'cat'], [Dog, 'rex'], [Puppy, 'bit']] as const) new Klass().name = name
    await ORM.flush()
    heard.length = 0
    expect(await Animal.softDelete({ where: {} })).toBe(3)
    expect(heard.sort()).toEqual(['after bit', 'after rex', 'before bit', 'before rex'])
  })
})
