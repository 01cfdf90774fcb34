import { expect, it } from 'vitest'
import { Column, Entity, ORM, RestoreError, UniqueConstraintError, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { MODEL_CLASSES, Review, Story, User } from './property-model.js'

// Minimal counterexamples found by the property tests (property-where, property-lifecycle), kept as
// plain examples. Each failed before its fix.

class Order extends Entity {
  @Column() select: string
  @Column() from: number
  constructor(select: string, from: number) {
    super()
    this.select = select
    this.from = from
  }
}

const MODEL = [...MODEL_CLASSES, Order]

describeEachDialect('regressions found by the lifecycle property', (db) => {
  // Issue 8, defect 12. Found as: [soft delete (cascade) user, isDeleted = false on its story].
  it('refuses isDeleted = false under a parent that a cascade hid, and writes nothing', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('hello', ann)
    await ann.softDelete({ cascade: true })
    story.isDeleted = false
    await expect(ORM.flush()).rejects.toBeInstanceOf(RestoreError)
    story.isDeleted = true // back as it was: no change is pending, the story stays in the cascade
    expect(await Story.count({ onlyDeleted: true })).toBe(1)
    await ann.restore({ cascade: true })
    expect(await Story.count()).toBe(1)
  })

  // Found as: [create story, soft delete (cascade) its user, batch: show the review, hide it again,
  // then one flush]: the review got a new (even) deletedAt and left the cascade, so restoring the
  // user with cascade no longer brings it back.
  it('keeps the deletedAt of a row whose isDeleted is set to false and back to true before a flush', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('hello', ann)
    const review = new Review('fine', story, ann)
    await ann.softDelete({ cascade: true })
    const hiddenAt = review.deletedAt
    review.isDeleted = false
    review.isDeleted = true
    await ORM.flush()
    expect(review.deletedAt).toEqual(hiddenAt)
    await ann.restore({ cascade: true })
    expect(await Review.count()).toBe(1)
  })
})

describeEachDialect('regressions found by the lifecycle property: flags flipped back', (db) => {
  // Found as: [User.softDelete({ where: {} }), batch: hide a live story, show it again, then one flush]:
  // the net no-op was written as a restore and refused under the hidden user.
  it('writes nothing for a live row whose isDeleted is set to true and back to false before a flush', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('hello', ann)
    await ORM.flush()
    await User.softDelete({ where: {} })
    story.isDeleted = true
    story.isDeleted = false
    await ORM.flush()
    expect(story.isDeleted).toBe(false)
    expect(await Story.count({ withDeleted: true, onlyDeleted: false })).toBe(1)
  })
})

describeEachDialect('regressions found by the lifecycle property: errors after a refused flush', (db) => {
  // Issue 8, defect 5 (helper A2), found again by the lifecycle property on PostgreSQL as:
  // [change user ann's title to "o'k", create User("o'k")]: the create's flush is refused, the new
  // user gets a free title, and the next flush rethrows the stale UniqueConstraintError of the
  // scheduled flush that retried the refused insert. Twenty rounds make the race all but certain.
  it('writes a refused insert once its value is fixed, with no stale error', async () => {
    await db.boot(MODEL)
    for (let round = 0; round < 20; round++) {
      new User(`taken ${round}`)
      await ORM.flush()
      const dup = new User(`taken ${round}`)
      await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
      dup.title = `free ${round}`
      await ORM.flush()
    }
    expect(await User.count()).toBe(40)
  })
})

describeEachDialect('regressions found by the where property', (db) => {
  // Found as a row with from: -0, read back as 0. SQLite stores a REAL without a fraction as an
  // integer and node-pg sends String(-0), which is '0': -0 is 0 on both databases, so the property
  // compares numbers with -0 and 0 as one value. This pins that both agree.
  it('reads a real column written as -0 back as 0 on every database', async () => {
    await db.boot(MODEL)
    const order = new Order('x', -0)
    await ORM.flush()
    const rows = await ORM.query(`SELECT "from" FROM "order" WHERE "id" = ${db.isPostgres ? '$1' : '?'}`, [order.id])
    const [loaded] = await Order.find({ where: { id: order.id as number } })
    expect(Object.is(Number(rows[0]?.from), 0)).toBe(true)
    expect(Object.is(loaded?.from, 0)).toBe(true)
  })

  // Issue 8, defect 8 (helper C). Found as: ["\u0000"] (SQLite stores it; PostgreSQL's refusal names
  // no property) and ["\udfff"] (both databases store U+FFFD instead).
  it('refuses NUL in a text value with a ValidationError naming the property', async () => {
    await db.boot(MODEL)
    new Order('a\u0000b', 1)
    const error = await ORM.flush().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('Order.select')
  })

  it('refuses a lone surrogate in a text value with a ValidationError naming the property', async () => {
    await db.boot(MODEL)
    new Order('\udfff', 1)
    await expect(ORM.flush()).rejects.toThrow(/Order\.select/)
  })

  // Found as: a where value "\udfff" (lone surrogate) that matched a row holding U+FFFD: both drivers
  // encode the lone surrogate as U+FFFD, so a condition matches a value nobody asked for.
  it('refuses a where value with a lone surrogate instead of matching U+FFFD', async () => {
    await db.boot(MODEL)
    new Order('\ufffd', 1)
    await ORM.flush()
    await expect(Order.find({ where: { select: '\udfff' } })).rejects.toBeInstanceOf(ValidationError)
  })
})
