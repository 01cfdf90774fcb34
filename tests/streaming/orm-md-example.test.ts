import { expect, it } from 'vitest'
import { Column, Entity, ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { MODEL, User } from '../support/soft-model.js'

// ORM.md's "Streaming large results" examples, line for line. Account is the class of ORM.md's Finding
// section, which the canonical model does not have.
class Account extends Entity {
  @Column() name: string
  @Column() balance: number
  @Column() active: boolean
  constructor(name: string, balance: number, active: boolean) {
    super()
    this.name = name
    this.balance = balance
    this.active = active
  }
}

describeEachDialect("ORM.md's streaming examples", (db) => {
  it('sums the balance of the active accounts', async () => {
    await db.boot([...MODEL, Account])
    for (let i = 0; i < 2500; i++) new Account(`a${i}`, i, i % 2 === 0)
    await ORM.flush()

    let total = 0
    for await (const account of Account.stream({ where: { active: true }, orderBy: { name: 'asc' }, batchSize: 1000 })) {
      total += account.balance
    }
    expect(total).toBe(1250 * 2498 / 2)
  })

  it('soft-deletes the test users as the loop goes', async () => {
    await db.boot(MODEL)
    for (let i = 0; i < 1200; i++) new User(i % 3 === 0 ? `test-${i}` : `user-${i}`)
    await ORM.flush()

    for await (const user of User.stream({ batchSize: 500 })) {
      if (user.username.startsWith('test-')) user.isDeleted = true   // written as the loop goes
    }
    await ORM.flush()
    expect(await User.count()).toBe(800)
    expect(await User.count({ onlyDeleted: true, where: { username: ['test-0', 'test-3', 'test-1197'] } })).toBe(3)
  })
})
