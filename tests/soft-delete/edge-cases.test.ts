import { expect, it } from 'vitest'
import { Column, ORM, Relation, SoftDel, SoftDelUuid } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// Not the canonical model of tests/support: these edge cases file stories under a soft-deletable
// Category (required for Filed, optional for Story), so Story, and the classes around it, are local.

class Category extends SoftDel {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class User extends SoftDel {
  @Column({ unique: true }) username: string
  constructor(username: string) {
    super()
    this.username = username
  }
}

class Tag extends SoftDel {
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

class Story extends SoftDel {
  @Column() title: string
  @Relation(() => User) createdBy: User
  @Relation(() => Category, { nullable: true }) category?: Category
  @Relation(() => Tag) tags: Tag[] = []
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

class Filed extends SoftDel {
  @Column() title: string
  @Relation(() => User) owner: User
  @Relation(() => Category) category: Category
  constructor(title: string, owner: User, category: Category) {
    super()
    this.title = title
    this.owner = owner
    this.category = category
  }
}

class Review extends SoftDelUuid {
  @Column() text: string
  @Relation(() => Story) story: Story
  @Relation(() => User) createdBy: User
  constructor(text: string, story: Story, createdBy: User) {
    super()
    this.text = text
    this.story = story
    this.createdBy = createdBy
  }
}

class Remark extends SoftDelUuid {
  @Column() text: string
  @Relation(() => Filed) filed: Filed
  constructor(text: string, filed: Filed) {
    super()
    this.text = text
    this.filed = filed
  }
}

const MODEL = [SoftDel, SoftDelUuid, Category, User, Tag, Story, Filed, Review, Remark]

describeEachDialect('soft delete edge cases', (db) => {
  it('takes a soft-deleted tag out of an already loaded to-many array, without touching its junction row', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('s', ann)
    const [a, b] = [new Tag('a'), new Tag('b')]
    story.tags.push(a, b)
    await ORM.flush()
    await a.softDelete()
    expect(story.tags.map((tag) => tag.label)).toEqual(['b'])
    b.isDeleted = true
    await ORM.flush()
    expect(story.tags).toEqual([])
    await ORM.flush()
    expect((await ORM.query('SELECT COUNT(*) AS n FROM story_tags'))[0]).toEqual({ n: ORM.dialect === 'postgres' ? '2' : 2 })
  })

  it('does not restore, through a cascade, a row whose other required parent stays hidden, nor what is below it', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const box = new Category('box')
    const filed = new Filed('f', ann, box)
    const remark = new Remark('r', filed)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    await box.softDelete()
    await ann.restore({ cascade: true })
    expect([ann.isDeleted, box.isDeleted, filed.isDeleted, remark.isDeleted]).toEqual([false, true, true, true])
  })

  it('restores nothing else with cascade when the row was soft-deleted on its own, even in the same millisecond', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('s', ann)
    await ORM.flush()
    story.isDeleted = true
    ann.isDeleted = true
    await ORM.flush()
    await ann.restore({ cascade: true })
    expect([ann.isDeleted, story.isDeleted]).toEqual([false, true])
  })

  it('skips, in a bulk restore, rows whose required parent stays soft-deleted', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    const hers = new Story('hers', ann)
    const his = new Story('his', bob)
    await ORM.flush()
    await ann.softDelete({ cascade: true })
    await his.softDelete()
    expect(await Story.restore({ where: {} })).toBe(1)
    expect([hers.isDeleted, his.isDeleted]).toEqual([true, false])
  })

  it('turns a pending isDeleted = true into the cascade that softDelete({ cascade: true }) asks for', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('s', ann)
    await ORM.flush()
    ann.isDeleted = true
    await ann.softDelete({ cascade: true })
    expect([ann.isDeleted, story.isDeleted]).toEqual([true, true])
    expect(story.deletedAt?.getTime()).toBe(ann.deletedAt?.getTime())
    await ann.restore({ cascade: true })
    expect([ann.isDeleted, story.isDeleted]).toEqual([false, false])
  })

  it('cascades through a row that was already soft-deleted, so nothing below it stays visible', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    const story = new Story('s', ann)
    const review = new Review('r', story, bob)
    await ORM.flush()
    await story.softDelete()
    const storyDeletedAt = story.deletedAt?.getTime()
    await ann.softDelete({ cascade: true })
    expect(review.isDeleted).toBe(true)
    expect(story.deletedAt?.getTime()).toBe(storyDeletedAt)
    expect(await Review.count()).toBe(0)
    // The story was hidden on its own: the cascade's restore leaves it, and the review under it, hidden.
    await ann.restore({ cascade: true })
    expect([ann.isDeleted, story.isDeleted, review.isDeleted]).toEqual([false, true, true])
  })
})
