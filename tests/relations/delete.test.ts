import { expect, it } from 'vitest'
import {
  DependentsError,
  DetachedInstanceError,
  ForeignKeyError,
  Entity,
  OR,
  ORM,
  ValidationError,
  type DependentsDict,
} from '../../lib/index.js'
import pg from 'pg'
import { DATABASE_URL, describeEachDialect } from '../support/dialects.js'
import { rawCount, rawRows } from '../support/raw-sql.js'
import { rejection } from '../support/rejection.js'
import { MODEL, Review, Story, Tag, User } from '../support/model.js'

class Boom extends Error {}

async function usernamesInDatabase(): Promise<string[]> {
  const rows = await rawRows('SELECT username FROM "user" ORDER BY id')
  return rows.map((row) => String(row.username))
}

/** What the timestamp columns take on the current dialect. */
function now(): unknown {
  return ORM.dialect === 'postgres' ? new Date() : Date.now()
}

/**
 * ann wrote s1 and s2, bob wrote s3 (edited by ann); r1 is ann's review of s1 approved by bob,
 * r2 is bob's review of s3 approved by ann. cid has nothing. s1 is tagged news and tech.
 */
async function seed() {
  const ann = new User('ann')
  const bob = new User('bob')
  const cid = new User('cid')
  const news = new Tag('news')
  const tech = new Tag('tech')
  const s1 = new Story('one', ann)
  s1.tags.push(news, tech)
  const s2 = new Story('two', ann)
  const s3 = new Story('three', bob)
  s3.editor = ann
  const r1 = new Review(ann, bob, s1)
  const r2 = new Review(bob, ann, s3)
  await ORM.flush()
  return { ann, bob, cid, news, tech, s1, s2, s3, r1, r2 }
}

async function dependentsError(promise: Promise<unknown>): Promise<DependentsError> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(DependentsError)
  return error as DependentsError
}

describeEachDialect('getDependents() and getReferencers()', (db) => {
  it('lists per dependent class the instances ordered by id and the required props pointing at the user', async () => {
    await db.boot(MODEL)
    const { ann, s1, s2, r1, r2 } = await seed()
    const dependents = await ann.getDependents()
    expect(Object.keys(dependents).sort()).toEqual(['Review', 'Story'])
    expect(dependents.Story?.[1]).toEqual(['createdBy'])
    expect(dependents.Review?.[1]).toEqual(['createdBy', 'approvedBy'])
    const [stories] = dependents.Story ?? [[]]
    const [reviews] = dependents.Review ?? [[]]
    expect(stories).toHaveLength(2)
    expect(stories[0]).toBe(s1)
    expect(stories[1]).toBe(s2)
    expect(reviews).toHaveLength(2)
    expect(reviews[0]).toBe(r1)
    expect(reviews[1]).toBe(r2)
  })

  it('has no key for a class none of whose rows depend on the user', async () => {
    await db.boot(MODEL)
    const { bob, s3 } = await seed()
    await rawRows('DELETE FROM review')
    const dependents = await bob.getDependents()
    expect(dependents).toEqual({ Story: [[s3], ['createdBy']] })
    expect('Review' in dependents).toBe(false)
  })

  it('returns an empty object for a user nothing depends on', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    expect(await cid.getDependents()).toEqual({})
  })

  it('returns an empty object for a story no review depends on and for a tag referenced only through a to-many', async () => {
    await db.boot(MODEL)
    const { s2, news } = await seed()
    expect(await s2.getDependents()).toEqual({})
    expect(await news.getDependents()).toEqual({})
  })

  it('hydrates dependents loaded from the database with their listed props loaded, not as Promises', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const story = new Story('one', ann)
    await ORM.flush()
    // bob and his review exist only in the database.
    await rawRows('INSERT INTO "user" (created_at, updated_at, username) VALUES (?, ?, ?)', [now(), now(), 'bob'])
    const [bobRow] = await rawRows('SELECT id FROM "user" WHERE username = ?', ['bob'])
    await rawRows('INSERT INTO review (created_at, updated_at, created_by_id, approved_by_id, story_id) VALUES (?, ?, ?, ?, ?)', [
      now(),
      now(),
      bobRow?.id,
      ann.id,
      story.id,
    ])
    const dependents = await ann.getDependents()
    const [reviews, props] = dependents.Review ?? [[], []]
    expect(props).toEqual(['createdBy', 'approvedBy'])
    expect(reviews).toHaveLength(1)
    const review = reviews[0]
    if (!(review instanceof Review)) throw new Error(`expected a Review, got ${String(review)}`)
    expect(review.approvedBy).toBe(ann)
    expect(review.createdBy).toBeInstanceOf(User)
    expect(review.createdBy.username).toBe('bob')
    expect(Number(review.createdBy.id)).toBe(Number(bobRow?.id))
    // Identity-mapped: a later find hands out the same objects.
    expect(await Review.findById(review.id)).toBe(review)
    expect(await User.findOne({ where: { username: 'bob' } })).toBe(review.createdBy)
  })

  it('lets a MasqueradeORM-style loop compare instance[prop] with the user synchronously', async () => {
    await db.boot(MODEL)
    const { ann, bob } = await seed()
    const dependents = await ann.getDependents()
    const pointing: string[] = []
    for (const [className, [instances, props]] of Object.entries(dependents)) {
      for (const instance of instances) {
        for (const prop of props) {
          const value = (instance as unknown as Record<string, unknown>)[prop]
          expect(value).not.toBeInstanceOf(Promise)
          if (value === ann) pointing.push(`${className}.${prop}`)
          else expect(value).toBe(bob)
        }
      }
    }
    expect(pointing.sort()).toEqual(['Review.approvedBy', 'Review.createdBy', 'Story.createdBy', 'Story.createdBy'])
  })

  it('flushes first, so a story created just before counts', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    const fresh = new Story('fresh', cid)
    const dependents = await cid.getDependents()
    expect(dependents).toEqual({ Story: [[fresh], ['createdBy']] })
    expect(typeof fresh.id).toBe('number')
  })

  it('flushes first, so a dependent reassigned in memory no longer counts', async () => {
    await db.boot(MODEL)
    const { ann, bob, s1, s2 } = await seed()
    s1.createdBy = bob
    expect((await ann.getDependents()).Story).toEqual([[s2], ['createdBy']])
    expect(await rawCount('SELECT COUNT(*) AS n FROM story WHERE created_by_id = ?', [bob.id])).toBe(2)
  })

  it('inside a transaction, lists the dependents it wrote and has not committed yet', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    const seen = await ORM.transaction(async () => {
      const story = new Story('draft', cid)
      const review = new Review(cid, cid, story)
      const dependents = await cid.getDependents()
      expect(dependents).toEqual({ Story: [[story], ['createdBy']], Review: [[review], ['createdBy', 'approvedBy']] })
      return Object.keys(dependents)
    })
    expect(seen).toEqual(['Story', 'Review'])
  })

  it('lists the classes in the same order every time, whichever query answers first', async () => {
    await db.boot(MODEL)
    const { ann } = await seed()
    for (let i = 0; i < 5; i++) expect(Object.keys(await ann.getDependents())).toEqual(['Story', 'Review'])
  })

  it('getReferencers includes optional relations as well as required ones', async () => {
    await db.boot(MODEL)
    const { ann, s1, s2, s3, r1, r2 } = await seed()
    expect(await ann.getReferencers()).toEqual({
      Story: [[s1, s2, s3], ['createdBy', 'editor']],
      Review: [[r1, r2], ['createdBy', 'approvedBy']],
    })
  })

  it('getReferencers includes to-many relations, which getDependents leaves out', async () => {
    await db.boot(MODEL)
    const { news, s1 } = await seed()
    const s4 = new Story('four', s1.createdBy)
    s4.tags.push(news)
    const referencers = await news.getReferencers()
    expect(referencers).toEqual({ Story: [[s1, s4], ['tags']] })
    expect(await news.getDependents()).toEqual({})
  })

})

describeEachDialect('delete() refused while dependents exist', (db) => {
  it('throws a DependentsError with exact counts per class and prop', async () => {
    await db.boot(MODEL)
    const { ann } = await seed()
    const error = await dependentsError(ann.delete())
    expect(error.counts).toEqual({ Story: { createdBy: 2 }, Review: { createdBy: 1, approvedBy: 1 } })
    expect(error.target).toBe(`User #${ann.id}`)
  })

  it('carries the dependents in the getDependents() shape', async () => {
    await db.boot(MODEL)
    const { ann, s1, s2, r1, r2 } = await seed()
    const error = await dependentsError(ann.delete())
    const expected: DependentsDict<Entity> = {
      Story: [[s1, s2], ['createdBy']],
      Review: [[r1, r2], ['createdBy', 'approvedBy']],
    }
    expect(error.dependents).toEqual(expected)
    expect(error.dependents.Story?.[0][0]).toBe(s1)
  })

  it('names the class, props and counts in its message and points at getDependents()', async () => {
    await db.boot(MODEL)
    const { ann } = await seed()
    const error = await dependentsError(ann.delete())
    expect(error.message).toContain(`User #${ann.id}`)
    expect(error.message).toMatch(/Story\.createdBy\D*\b2\b/)
    expect(error.message).toMatch(/Review\.createdBy\D*\b1\b/)
    expect(error.message).toMatch(/Review\.approvedBy\D*\b1\b/)
    expect(error.message).toContain('getDependents()')
  })

  it('counts only the props with a dependent row', async () => {
    await db.boot(MODEL)
    const { bob, r2 } = await seed()
    await rawRows('DELETE FROM review WHERE id = ?', [r2.id])
    // bob still wrote s3 and approved r1; r2 (his own review) is gone.
    const error = await dependentsError(bob.delete())
    expect(error.counts).toEqual({ Story: { createdBy: 1 }, Review: { approvedBy: 1 } })
  })

  it('deletes nothing and leaves the instance usable', async () => {
    await db.boot(MODEL)
    const { ann, s3 } = await seed()
    await dependentsError(ann.delete())
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob', 'cid'])
    expect(await rawCount('SELECT COUNT(*) AS n FROM story')).toBe(3)
    expect(s3.editor).toBe(ann)
    ann.username = 'anna'
    await ann.save()
    expect(await usernamesInDatabase()).toEqual(['anna', 'bob', 'cid'])
    expect(await User.findById(ann.id)).toBe(ann)
  })

  it('refuses to delete a story while a review depends on it', async () => {
    await db.boot(MODEL)
    const { s1, r1 } = await seed()
    const error = await dependentsError(s1.delete())
    expect(error.counts).toEqual({ Review: { story: 1 } })
    expect(error.dependents).toEqual({ Review: [[r1], ['story']] })
    expect(error.target).toBe(`Story #${s1.id}`)
  })

  it('reports every one of 250 dependents in counts and carries only the first 100 instances', async () => {
    await db.boot(MODEL)
    const prolific = new User('prolific')
    const stories = Array.from({ length: 250 }, (_, i) => new Story(`story ${i}`, prolific))
    await ORM.flush()
    const error = await dependentsError(prolific.delete())
    expect(error.counts).toEqual({ Story: { createdBy: 250 } })
    expect(error.dependents.Story?.[0]).toHaveLength(100)
    expect(error.dependents.Story?.[0]).toEqual(stories.slice(0, 100))
    expect(error.dependents.Story?.[1]).toEqual(['createdBy'])
    expect(error.message).toMatch(/Story\.createdBy\D*\b250\b/)
  })
})

describeEachDialect('delete() after decoupling', (db) => {
  it('goes through once the dependents are reassigned in memory, without an explicit flush', async () => {
    await db.boot(MODEL)
    const { ann, bob, s1, s2, r1, r2 } = await seed()
    s1.createdBy = bob
    s2.createdBy = bob
    r1.createdBy = bob
    r2.approvedBy = bob
    await ann.delete()
    expect(await usernamesInDatabase()).toEqual(['bob', 'cid'])
    expect(await rawCount('SELECT COUNT(*) AS n FROM story WHERE created_by_id = ?', [bob.id])).toBe(3)
    expect(await rawRows('SELECT created_by_id, approved_by_id FROM review ORDER BY id')).toEqual([
      { created_by_id: bob.id, approved_by_id: bob.id },
      { created_by_id: bob.id, approved_by_id: bob.id },
    ])
  })

  it('goes through once the dependents are deleted, reviews before the stories they depend on', async () => {
    await db.boot(MODEL)
    const { ann, r1, r2, s1, s2 } = await seed()
    await r1.delete()
    await r2.delete()
    await s1.delete()
    await s2.delete()
    await ann.delete()
    expect(await usernamesInDatabase()).toEqual(['bob', 'cid'])
    expect(await rawRows('SELECT title FROM story ORDER BY id')).toEqual([{ title: 'three' }])
    expect(await rawCount('SELECT COUNT(*) AS n FROM review')).toBe(0)
  })

  it('goes through after the MasqueradeORM loop reassigns every prop that points at the user', async () => {
    await db.boot(MODEL)
    const { ann, bob } = await seed()
    const dependents = await ann.getDependents()
    for (const [className, [instances, props]] of Object.entries(dependents)) {
      expect(['Story', 'Review']).toContain(className)
      for (const instance of instances) {
        const record = instance as unknown as Record<string, unknown>
        for (const prop of props) if (record[prop] === ann) record[prop] = bob
      }
    }
    await ann.delete()
    expect(await usernamesInDatabase()).toEqual(['bob', 'cid'])
    const [stories, props] = (await bob.getDependents()).Story ?? [[], []]
    expect(stories.map((story) => story.title)).toEqual(['one', 'two', 'three'])
    expect(props).toEqual(['createdBy'])
  })

})

describeEachDialect(
  'delete() against another connection',
  (db) => {
    it('refuses when another connection inserts a dependent between getDependents() and delete()', async () => {
      await db.boot(MODEL)
      const { cid } = await seed()
      expect(await cid.getDependents()).toEqual({})
      const second = await db.openSecondConnection()
      await second.run('INSERT INTO story (created_at, updated_at, title, created_by_id) VALUES (?, ?, ?, ?)', [
        now(),
        now(),
        'sneaked in',
        cid.id,
      ])
      const error = await dependentsError(cid.delete())
      expect(error.counts).toEqual({ Story: { createdBy: 1 } })
      expect(error.dependents.Story?.[0].map((story) => (story as Story).title)).toEqual(['sneaked in'])
      expect(await second.run('SELECT username FROM "user" WHERE id = ?', [cid.id])).toEqual([{ username: 'cid' }])
      expect(await User.findById(cid.id)).toBe(cid)
    })
  },
  ['sqlite-file', 'postgres'],
)

describeEachDialect(
  'delete() against another connection on PostgreSQL',
  (db) => {
    it('refuses when another transaction commits a dependent while the delete is starting', async () => {
      await db.boot(MODEL)
      const { cid } = await seed()
      const second = await db.openSecondConnection()
      await second.run('BEGIN')
      await second.run('INSERT INTO story (created_at, updated_at, title, created_by_id) VALUES (?, ?, ?, ?)', [
        now(),
        now(),
        'not yet committed',
        cid.id,
      ])
      // Whether the delete's row lock comes before or after this commit, it must see the story.
      const deleting = cid.delete()
      await second.run('COMMIT')
      const error = await dependentsError(deleting)
      expect(error.counts).toEqual({ Story: { createdBy: 1 } })
      expect(await second.run('SELECT username FROM "user" WHERE id = ?', [cid.id])).toEqual([{ username: 'cid' }])
    })

    it('reports the foreign key failure of a DELETE that waited for an uncommitted dependent as a DependentsError', async () => {
      await db.boot(MODEL)
      const { cid } = await seed()
      const second = await db.openSecondConnection()
      await second.run('BEGIN')
      await second.run('INSERT INTO story (created_at, updated_at, title, created_by_id) VALUES (?, ?, ?, ?)', [
        now(),
        now(),
        'committed after the count',
        cid.id,
      ])
      // The count cannot see the uncommitted story; the DELETE then waits on the row lock its
      // foreign-key check took. Commit only once the DELETE is waiting, so RESTRICT is what refuses it.
      const deleting = cid.delete()
      const monitor = new pg.Client({ connectionString: DATABASE_URL })
      await monitor.connect()
      try {
        for (let attempt = 0; ; attempt++) {
          const { rows } = await monitor.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM "user"%'`,
          )
          if ((rows[0] as { n: number }).n > 0) break
          if (attempt > 200) throw new Error('the DELETE never waited for the uncommitted story')
          await new Promise((resolve) => setTimeout(resolve, 25))
        }
      } finally {
        await monitor.end()
      }
      await second.run('COMMIT')
      const error = await dependentsError(deleting)
      expect(error.cause).toBeInstanceOf(ForeignKeyError)
      expect(error.counts).toEqual({ Story: { createdBy: 1 } })
      expect(error.dependents.Story?.[0].map((story) => (story as Story).title)).toEqual(['committed after the count'])
      expect(await User.findById(cid.id)).toBe(cid)
    })
  },
  ['postgres'],
)

describeEachDialect('delete() on success', (db) => {
  it('sets optional references to NULL in the database and undefined on loaded instances', async () => {
    await db.boot(MODEL)
    const { ann, bob, s1, s2, s3, r1, r2 } = await seed()
    for (const story of [s1, s2]) story.createdBy = bob
    r1.createdBy = bob
    r2.approvedBy = bob
    await ann.delete()
    expect(s3.editor).toBeUndefined()
    expect(await rawRows('SELECT title, editor_id FROM story WHERE id = ?', [s3.id])).toEqual([{ title: 'three', editor_id: null }])
    expect(await Story.find({ where: { editor: null } })).toEqual([s1, s2, s3])
  })

  it('removes the junction rows of a deleted tag and takes it out of loaded to-many arrays', async () => {
    await db.boot(MODEL)
    const { news, tech, s1 } = await seed()
    expect(await rawCount('SELECT COUNT(*) AS n FROM story_tags')).toBe(2)
    await news.delete()
    expect(s1.tags).toEqual([tech])
    expect(await rawRows('SELECT tag_id FROM story_tags ORDER BY tag_id')).toEqual([{ tag_id: tech.id }])
    expect(await Story.find({ where: { tags: { name: 'news' } } })).toEqual([])
  })

  it('removes the junction rows of a deleted story, leaving its tags', async () => {
    await db.boot(MODEL)
    const { s1, r1 } = await seed()
    await r1.delete()
    await s1.delete()
    expect(await rawCount('SELECT COUNT(*) AS n FROM story_tags')).toBe(0)
    expect(await rawRows('SELECT name FROM tag ORDER BY id')).toEqual([{ name: 'news' }, { name: 'tech' }])
  })

  it('detaches the instance: assigning a column throws DetachedInstanceError', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    await cid.delete()
    expect(() => {
      cid.username = 'back'
    }).toThrow(DetachedInstanceError)
  })

  it('detaches the instance: save() and a second delete() reject with DetachedInstanceError', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    await cid.delete()
    await expect(cid.save()).rejects.toThrow(DetachedInstanceError)
    await expect(cid.delete()).rejects.toThrow(DetachedInstanceError)
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob'])
  })

  it('makes findById return undefined for the deleted id', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    const id = cid.id
    await cid.delete()
    expect(await User.findById(id)).toBeUndefined()
    expect(await User.count()).toBe(2)
  })

  it('refuses a later flush that references the deleted instance', async () => {
    await db.boot(MODEL)
    const { cid, s2 } = await seed()
    await cid.delete()
    s2.editor = cid
    await expect(ORM.flush()).rejects.toThrow(ValidationError)
  })

  it('inserts then deletes a new, never-flushed instance, leaving it detached and no row', async () => {
    await db.boot(MODEL)
    await seed()
    const temp = new User('temp')
    await temp.delete()
    expect(() => {
      temp.username = 'again'
    }).toThrow(DetachedInstanceError)
    expect(await rawCount('SELECT COUNT(*) AS n FROM "user" WHERE username = ?', ['temp'])).toBe(0)
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob', 'cid'])
  })
})

describeEachDialect('Entity.delete({ where }) in bulk', (db) => {
  it('deletes every matching row and returns how many', async () => {
    await db.boot(MODEL)
    const free1 = new User('a')
    const free2 = new User('b')
    const keep = new User('c')
    await ORM.flush()
    expect(await User.delete({ where: { username: OR('a', 'b') } })).toBe(2)
    expect(await usernamesInDatabase()).toEqual(['c'])
    expect(await User.findById(free1.id)).toBeUndefined()
    expect(() => {
      free2.username = 'x'
    }).toThrow(DetachedInstanceError)
    expect(await User.findById(keep.id)).toBe(keep)
  })

  it('deletes none of the matches when one has a dependent, naming them all in the error', async () => {
    await db.boot(MODEL)
    const a = new User('a')
    const b = new User('b')
    const c = new User('c')
    const story = new Story('by b', b)
    await ORM.flush()
    const error = await dependentsError(User.delete({ where: { username: OR('a', 'b', 'c') } }))
    expect(error.target).toBe('3 User rows')
    expect(error.counts).toEqual({ Story: { createdBy: 1 } })
    expect(error.dependents).toEqual({ Story: [[story], ['createdBy']] })
    expect(await usernamesInDatabase()).toEqual(['a', 'b', 'c'])
    a.username = 'still here'
    c.username = 'me too'
    await ORM.flush()
    expect(await usernamesInDatabase()).toEqual(['still here', 'b', 'me too'])
  })

  it('deletes every row with an empty where', async () => {
    await db.boot(MODEL)
    const { s1, s2, s3 } = await seed()
    await Review.delete({ where: {} })
    expect(await Story.delete({ where: {} })).toBe(3)
    expect(await User.delete({ where: {} })).toBe(3)
    expect(await User.count()).toBe(0)
    expect(await rawCount('SELECT COUNT(*) AS n FROM story_tags')).toBe(0)
    for (const story of [s1, s2, s3]) expect(() => (story.title = 'x')).toThrow(DetachedInstanceError)
  })

  it('refuses a call without where with a ValidationError, before deleting anything', async () => {
    await db.boot(MODEL)
    await seed()
    const error = await rejection(User.delete({} as unknown as Parameters<typeof User.delete>[0]))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('where')
    expect(await User.count()).toBe(3)
  })

  it('returns 0 when nothing matches', async () => {
    await db.boot(MODEL)
    await seed()
    expect(await User.delete({ where: { username: 'nobody' } })).toBe(0)
    expect(await User.count()).toBe(3)
  })

  it('filters through relations like find does', async () => {
    await db.boot(MODEL)
    const { r1, r2 } = await seed()
    expect(await Review.delete({ where: { story: { title: 'one' } } })).toBe(1)
    expect(await Review.find()).toEqual([r2])
    expect(() => (r1.createdBy = r2.createdBy)).toThrow(DetachedInstanceError)
  })
})

describeEachDialect('delete() inside ORM.transaction()', (db) => {
  it('restores the row and the instance when the transaction rolls back', async () => {
    await db.boot(MODEL)
    const { cid, s2 } = await seed()
    s2.editor = cid
    await ORM.flush()
    const boom = new Boom('boom')
    const error = await rejection(
      ORM.transaction(async () => {
        await cid.delete()
        expect(s2.editor).toBeUndefined()
        expect(await User.findById(cid.id)).toBeUndefined()
        throw boom
      }),
    )
    expect(error).toBe(boom)
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob', 'cid'])
    expect(s2.editor).toBe(cid)
    expect(await rawRows('SELECT editor_id FROM story WHERE id = ?', [s2.id])).toEqual([{ editor_id: cid.id }])
    expect(await User.findById(cid.id)).toBe(cid)
    cid.username = 'cid again'
    await cid.save()
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob', 'cid again'])
  })

  it('restores a deleted tag in the loaded to-many arrays when the transaction rolls back', async () => {
    await db.boot(MODEL)
    const { news, tech, s1 } = await seed()
    await rejection(
      ORM.transaction(async () => {
        await news.delete()
        expect(s1.tags).toEqual([tech])
        throw new Boom('boom')
      }),
    )
    expect(s1.tags).toEqual([news, tech])
    expect(await rawCount('SELECT COUNT(*) AS n FROM story_tags')).toBe(2)
    await news.delete()
    expect(s1.tags).toEqual([tech])
  })

  it('lets the transaction go on and commit after a refused delete inside it', async () => {
    await db.boot(MODEL)
    const { ann, cid } = await seed()
    await ORM.transaction(async () => {
      await dependentsError(ann.delete())
      await cid.delete()
      new User('dan')
    })
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob', 'dan'])
    expect(await User.findById(ann.id)).toBe(ann)
  })

  it('keeps the deletion when the transaction commits', async () => {
    await db.boot(MODEL)
    const { cid } = await seed()
    await ORM.transaction(async () => {
      await cid.delete()
    })
    expect(await usernamesInDatabase()).toEqual(['ann', 'bob'])
    expect(() => {
      cid.username = 'x'
    }).toThrow(DetachedInstanceError)
  })
})
