import { expect, it } from 'vitest'
import { Column, DependentsError, Entity, ORM, Relation } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// The README's example, line for line, with its printed values turned into assertions.
class User extends Entity {
  @Column({ unique: true }) username: string
  constructor(username: string) {
    super()
    this.username = username
  }
}
class Story extends Entity {
  @Column() title: string
  @Relation(() => User) createdBy: User
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

describeEachDialect('the README example', (db) => {
  it('finds by a relation, refuses the guarded delete, then deletes after decoupling', async () => {
    await db.boot([User, Story])
    const ann = new User('ann')
    const story = new Story('Hello', ann)
    const [found] = await Story.find({ where: { createdBy: { username: 'ann' } }, relations: { createdBy: true } })
    expect(found).toBe(story)
    expect(found?.createdBy).toBe(ann)
    const error = await ann.delete().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DependentsError)
    expect((error as DependentsError).counts).toEqual({ Story: { createdBy: 1 } })
    await story.delete()
    await ann.delete()
    expect(await User.count()).toBe(0)
    expect(await Story.count()).toBe(0)
  })
})
