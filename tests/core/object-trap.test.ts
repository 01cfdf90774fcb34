import { expect, it } from 'vitest'
import { Column, Entity, ORM, ValidationError, type BootOptions } from '../../lib/index.js'
import { importModel } from '../support/compiled-model.js'
import { describeEachDialect } from '../support/dialects.js'

// Compiled by the real TypeScript compiler: `count = 0` without an annotation gets the design type
// Object, as in users' projects (ORM.md, "The Object trap").
const ACCOUNT_SOURCE = `
interface Settings { theme: string }
export function make(Entity: any, Column: any) {
  class Account extends Entity {
    @Column() name!: string
    @Column() count = 0
    @Column() settings: Settings = { theme: 'dark' }
    @Column({ type: 'json' }) extra: unknown = []
  }
  return Account
}
`

interface Account extends Entity {
  name: string
  count: number
  settings: { theme: string }
  extra: unknown
}
type AccountClass = (new () => Account) & Pick<typeof Entity, 'find'>

const make = await importModel<(entity: unknown, column: unknown) => AccountClass>(ACCOUNT_SOURCE, true, 'account')

const COUNT_WARNING =
  'veil-orm: Account.count is a json column because its design type is Object (an initializer without a type annotation, ' +
  'such as count = 0), and its first value written is a number. If it holds a number, annotate the type (count: number = ...) ' +
  "or pass @Column({ type: 'integer' }); existing rows keep their json column until you migrate it."

describeEachDialect('the Object trap', (db) => {
  async function bootAccount(): Promise<{ Account: AccountClass; warnings: string[]; options: BootOptions }> {
    const warnings: string[] = []
    const options: BootOptions = { logger: { warn: (message) => warnings.push(message) } }
    const Account = make(Entity, Column)
    await db.boot([Account], options)
    return { Account, warnings, options }
  }

  it('warns once per boot, naming Class.property and the fix, when the first value written is a number', async () => {
    const { Account, warnings, options } = await bootAccount()
    const ann = Object.assign(new Account(), { name: 'ann' })
    Object.assign(new Account(), { name: 'bob', count: 2 })
    await ORM.flush()
    ann.count = 3
    await ORM.flush()
    expect(warnings).toEqual([COUNT_WARNING])
    await ORM.close()
    await db.boot([Account], options)
    Object.assign(new Account(), { name: 'cy' })
    await ORM.flush()
    expect(warnings).toEqual([COUNT_WARNING, COUNT_WARNING])
  })

  it('does not warn about an object-typed json column whose values are objects', async () => {
    const { Account, warnings } = await bootAccount()
    Object.assign(new Account(), { name: 'ann', count: { visits: 1 }, extra: 5 })
    await ORM.flush()
    expect(warnings).toEqual([])
  })

  it('names why the column is json when a where uses it', async () => {
    const { Account } = await bootAccount()
    const error = await Account.find({ where: { count: 1 } }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toBe(
      'Account.count is a json column because its design type is Object (an interface or object type, or an initializer ' +
        'without a type annotation such as count = 0: annotate the type or pass @Column({ type }) if it holds a number, ' +
        'string or boolean); match it with null or a sql`` fragment.',
    )
    await expect(Account.find({ where: { extra: 1 } })).rejects.toThrow(
      "Account.extra is a json column (declared with type: 'json'); match it with null or a sql`` fragment.",
    )
  })
})
