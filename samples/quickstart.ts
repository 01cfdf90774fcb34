// The quickstart: boot on in-memory SQLite, create, change, find, print.
// Run with `npm run sample` (compiled by tsc, which emits the decorator metadata veil-orm reads).
import 'reflect-metadata'
import { Column, Entity, ORM, OR, sql } from 'veil-orm'

interface Settings {
  theme: 'light' | 'dark' | 'system'
}

class Account extends Entity {
  @Column() name: string
  @Column({ unique: true }) email: string
  @Column({ nullable: true }) nickname?: string
  @Column({ type: 'integer' }) age = 0
  @Column() balance: number = 1.5
  @Column() active: boolean = true
  @Column() bornAt: Date
  @Column({ type: 'bigint' }) views = 0n
  @Column({ type: 'json' }) settings: Settings = { theme: 'system' }
  @Column({ type: 'json' }) tags: string[] = []

  constructor(name: string, email: string, age: number) {
    super()
    this.name = name
    this.email = email
    this.age = age
    this.bornAt = new Date(Date.UTC(2026 - age, 0, 1))
  }
}

async function main(): Promise<void> {
  await ORM.boot([Account])

  // Created instances are tracked: no save call is needed, they are inserted at the next flush.
  new Account('Ann', 'ann@example.com', 34)
  new Account('Bob', 'bob@example.com', 17)
  const cid = new Account('Cid', 'cid@example.com', 52)

  // Assignments are tracked too; in-place edits of json values are detected at flush.
  cid.nickname = 'C'
  cid.tags.push('admin')

  // Pending changes are flushed before every query.
  const adults = await Account.find({ where: { age: sql`>= ${18}` }, orderBy: { name: 'asc' } })
  console.log('adults:', adults.map((account) => `${account.name} (#${String(account.id)}, ${account.age})`).join(', '))

  const annOrBob = await Account.find({ where: { name: OR('Ann', 'Bob') } })
  console.log('Ann or Bob:', annOrBob.map((account) => account.email).join(', '))

  const found = await Account.findOne({ where: { email: 'cid@example.com' } })
  console.log('same instance as the one created:', found === cid, '- tags:', found?.tags)

  cid.balance += 10
  await cid.save()
  console.log('Cid after save:', JSON.stringify(cid.toJSON(), (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)))

  console.log('active accounts:', await Account.count({ where: { active: true } }))
  await ORM.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
