import { expect, it } from 'vitest'
import { Column, DependentsError, Entity, ORM, Relation } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class User extends Entity {
  @Column({ unique: true }) username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
  constructor(username: string) {
    super()
    this.username = username
  }
}
class Tag extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}
class Story extends Entity {
  @Column() title: string
  @Relation(() => User) createdBy: User
  @Relation(() => User, { nullable: true }) editor?: User
  @Relation(() => Tag) tags: Tag[] = []
  @Relation(() => Story, { nullable: true }) parent?: Story
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

describeEachDialect('scratch', (db) => {
  it('works', async () => {
    await db.boot([User, Tag, Story])
    const ann = new User('ann')
    const bob = new User('bob')
    const t1 = new Tag('a')
    const t2 = new Tag('b')
    const s1 = new Story('one', ann)
    s1.tags.push(t1, t2)
    s1.editor = bob
    const s2 = new Story('two', ann)
    s2.parent = s1
    s1.parent = s2
    await ORM.flush()
    expect(typeof s1.id).toBe('number')
    const rows = await ORM.query('SELECT * FROM story ORDER BY id')
    console.log(rows)
    const found = await Story.find({ where: { createdBy: { username: 'ann' } }, relations: { tags: true, createdBy: { stories: true } } })
    expect(found).toEqual([s1, s2])
    expect(s1.tags).toEqual([t1, t2])
    expect(await ann.stories).toEqual([s1, s2])
    expect(await Story.find({ where: { tags: { name: 'b' } } })).toEqual([s1])
    expect(await User.find({ where: { stories: { title: 'two' } } })).toEqual([ann])
    expect(ORM.dependentsOf(User)).toEqual({ Story: ['createdBy'] })
    console.log(ORM.dependentsGraph().toMermaid())
    await expect(ann.delete()).rejects.toThrow(DependentsError)
    const deps = await ann.getDependents()
    expect(deps).toEqual({ Story: [[s1, s2], ['createdBy']] })
    s1.createdBy = bob
    s2.createdBy = bob
    s1.tags.splice(0, 1)
    await ann.delete()
    expect(await User.find()).toEqual([bob])
    await expect(bob.delete()).rejects.toThrow(/2/)
    await t2.delete()
    expect(s1.tags).toEqual([])
    await bob.delete().catch((e) => console.log(e.message, e.counts))
    await s1.delete().catch((e) => console.log(e.message))
    expect(s2.parent).toBe(undefined)
    console.log(await ORM.query('SELECT * FROM story ORDER BY id'))
  })
})
