import { expect, it, vi } from 'vitest'
import { ORM, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import { MODEL, Story, Tag, User } from '../support/soft-model.js'

// Class.update({ where }, { relation: instanceOrId }) sets a to-one relation's foreign key in the one
// UPDATE; to-many relations stay refused.

describeEachDialect('Class.update() of a to-one relation', (db) => {
  async function twoUsersAndStories(): Promise<{ ann: User; bob: User; one: Story; two: Story }> {
    const ann = new User('ann')
    const bob = new User('bob')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    await ORM.flush()
    return { ann, bob, one, two }
  }

  async function authors(): Promise<unknown[]> {
    const rows = await rawRows('SELECT s.title, u.username FROM story s JOIN "user" u ON u.id = s.created_by_id ORDER BY s.id')
    return rows.map((row) => `${row.title}: ${row.username}`)
  }

  // The calls are ORM.md's "Bulk update" examples.
  it('sets a required to-one relation from an instance or an id, and memory follows', async () => {
    await db.boot(MODEL)
    const { ann, bob, one, two } = await twoUsersAndStories()
    expect(await Story.update({ where: { title: 'one' } }, { createdBy: bob })).toBe(1)
    expect(one.createdBy).toBe(bob)
    expect(await authors()).toEqual(['one: bob', 'two: ann'])
    expect(await Story.update({ where: { title: 'two' } }, { createdBy: bob.id, editor: null })).toBe(1)
    expect(two.createdBy).toBe(bob)
    expect(await authors()).toEqual(['one: bob', 'two: bob'])
    expect(await ann.stories).toEqual([])
    expect(await bob.stories).toEqual([one, two])
  })

  it('clears an optional to-one relation with null, and refuses null for a required one', async () => {
    await db.boot(MODEL)
    const { ann, one } = await twoUsersAndStories()
    one.editor = ann
    await ORM.flush()
    expect(await Story.update({ where: {} }, { editor: null })).toBe(2)
    expect(one.editor).toBeUndefined()
    expect(await rawRows('SELECT editor_id FROM story')).toEqual([{ editor_id: null }, { editor_id: null }])
    const refused = Story.update({ where: {} }, { createdBy: null as unknown as User })
    await expect(refused).rejects.toThrow(ValidationError)
    await expect(refused).rejects.toThrow(/Story\.createdBy in Story\.update\(\) expects a User instance or id \(the relation is required\)/)
  })

  it('refuses an instance of another class, an id of the wrong type and a to-many relation, writing nothing', async () => {
    await db.boot(MODEL)
    const { bob } = await twoUsersAndStories()
    const tag = new Tag('news')
    await ORM.flush()
    const refusals: [object, RegExp][] = [
      [{ createdBy: tag }, /Story\.createdBy in Story\.update\(\) expects a User instance or id but got a Tag/],
      [{ createdBy: 'bob' }, /Story\.createdBy in Story\.update\(\) expects a User instance or a User id: a 32-bit integer/],
      [{ tags: [tag] }, /Story\.update\(\) cannot set the to-many relation Story\.tags/],
      [{ title: 'x', createdBy: bob, tags: [] }, /to-many relation Story\.tags/],
    ]
    for (const [values, message] of refusals) {
      await expect(Story.update({ where: {} }, values as never)).rejects.toThrow(message)
    }
    expect(await authors()).toEqual(['one: ann', 'two: ann'])
  })

  it('inserts a new target pending in the caller’s scope first, and refuses one pending in another', async () => {
    await db.boot(MODEL)
    await twoUsersAndStories()
    const cid = new User('cid')
    expect(await Story.update({ where: { title: 'one' } }, { createdBy: cid })).toBe(1)
    expect(cid.id).toBeDefined()
    expect(await authors()).toEqual(['one: cid', 'two: ann'])
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let elsewhere: User | undefined
    const transaction = ORM.transaction(async () => {
      elsewhere = new User('dan')
      await gate
    })
    await vi.waitFor(() => expect(elsewhere).toBeDefined())
    const refused = Story.update({ where: {} }, { createdBy: elsewhere as User }).catch((caught: unknown) => caught)
    release()
    await transaction
    expect(await refused).toBeInstanceOf(ValidationError)
    expect(((await refused) as Error).message).toMatch(/Story\.createdBy in Story\.update\(\): the User is not saved yet/)
    expect(await authors()).toEqual(['one: cid', 'two: ann'])
  })
})
