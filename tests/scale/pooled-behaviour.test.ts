import { expect, it } from 'vitest'
import { DependentsError, ORM, RestoreError, UniqueConstraintError } from '../../lib/index.js'
import * as plain from '../support/model.js'
import * as soft from '../support/soft-model.js'
import { describePooled } from './support/pooled.js'

// A representative part of the PostgreSQL behaviour, through the public API, through a real PgBouncer
// in transaction pooling mode with `pooler: 'transaction'`: persistence, transactions, relations, the
// guarded delete with dependents, and soft delete with cascade and restore. The full behaviour suites
// (tests/core, tests/relations, tests/soft-delete) run on a direct connection in `npm test`; what a
// transaction pooler changes is which server connection runs each transaction, so these tests lean on
// concurrent work, savepoints and multi-statement transactions, where a connection switch would show.
// Two server connections serve the ORM's eight clients.

describePooled(
  'veil-orm through PgBouncer in transaction pooling mode',
  (pooled) => {
    it('persists inserts and changes, reads them back, and reports a unique violation with the change kept pending', async () => {
      await pooled.boot(plain.MODEL)
      const users = Array.from({ length: 20 }, (_, i) => new plain.User(`user${i}`))
      await ORM.flush()
      users[3]!.username = 'renamed'
      await ORM.flush()
      const found = await Promise.all(users.map((user) => plain.User.findById(user.id)))
      expect(found).toEqual(users)
      expect((await ORM.query('SELECT username FROM "user" WHERE id = $1', [users[3]!.id]))[0]?.username).toBe('renamed')
      users[4]!.username = 'user5'
      await expect(ORM.flush()).rejects.toThrow(UniqueConstraintError)
      users[4]!.username = 'user4b'
      await ORM.flush()
      expect(await plain.User.count({ where: { username: 'user4b' } })).toBe(1)
    })

    it('commits and rolls back transactions, savepoints included, with concurrent transactions kept apart', async () => {
      await pooled.boot(plain.MODEL)
      const ann = new plain.User('ann')
      await ORM.flush()
      await expect(
        ORM.transaction(async () => {
          new plain.Story('lost', ann)
          await ORM.flush()
          expect(await plain.Story.count()).toBe(1) // visible inside, on the transaction's connection
          throw new Error('abort')
        }),
      ).rejects.toThrow('abort')
      expect(await plain.Story.count()).toBe(0)
      await ORM.transaction(async () => {
        new plain.Story('kept', ann)
        await ORM.transaction(async () => {
          new plain.Story('inner', ann)
          await ORM.flush()
          throw new Error('inner abort')
        }).catch(() => undefined)
      })
      expect((await plain.Story.find()).map((story) => story.title)).toEqual(['kept'])
      // Ten transactions at once over two server connections: each keeps its own.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ORM.transaction(async () => {
            const story = new plain.Story(`tx ${i}`, ann)
            await ORM.flush()
            expect(await plain.Story.findById(story.id)).toBe(story)
            if (i % 2 === 1) throw new Error('odd')
          }).catch(() => undefined),
        ),
      )
      expect(await plain.Story.count()).toBe(6)
    })

    it('writes and loads relations: to-many members, inverse views, conditions through relations', async () => {
      await pooled.boot(plain.MODEL)
      const ann = new plain.User('ann')
      const bob = new plain.User('bob')
      const [news, tech] = [new plain.Tag('news'), new plain.Tag('tech')]
      const first = new plain.Story('first', ann)
      first.tags.push(news, tech)
      const second = new plain.Story('second', bob)
      second.editor = ann
      second.tags.push(tech)
      await ORM.flush()
      const byTag = await plain.Story.find({ where: { tags: { name: 'tech' } }, relations: { tags: true, createdBy: true } })
      expect(byTag.map((story) => story.title).sort()).toEqual(['first', 'second'])
      expect(first.tags.map((tag) => tag.name).sort()).toEqual(['news', 'tech'])
      expect((await ann.stories).map((story) => story.title)).toEqual(['first'])
      expect((await plain.Story.find({ where: { createdBy: { username: 'bob' } } })).map((story) => story.editor)).toEqual([ann])
      first.tags = [news]
      await ORM.flush()
      expect((await tech.stories).map((story) => story.title)).toEqual(['second'])
    })

    it('refuses the guarded delete of a row with dependents, then deletes it once they are gone', async () => {
      await pooled.boot(plain.MODEL)
      const ann = new plain.User('ann')
      const bob = new plain.User('bob')
      const story = new plain.Story('Hello', ann)
      new plain.Review(bob, ann, story)
      await ORM.flush()
      const error = await ann.delete().then(() => undefined, (caught: unknown) => caught)
      expect(error).toBeInstanceOf(DependentsError)
      expect((error as DependentsError).counts).toEqual({ Story: { createdBy: 1 }, Review: { approvedBy: 1 } })
      expect(await plain.User.count()).toBe(2)
      await expect(plain.User.delete({ where: {} })).rejects.toThrow(DependentsError)
      const [review] = await plain.Review.find()
      await review!.delete()
      await story.delete()
      await ann.delete()
      expect((await plain.User.find()).map((user) => user.username)).toEqual(['bob'])
    })

    it('soft-deletes with cascade, hides everywhere, refuses a restore under a hidden parent, and restores the cascade', async () => {
      await pooled.boot(soft.MODEL)
      const ann = new soft.User('ann')
      const bob = new soft.User('bob')
      const story = new soft.Story('Hello', ann)
      const own = new soft.Story('Own', ann)
      new soft.Review('nice', story, bob)
      await ORM.flush()
      await own.softDelete() // on its own: the cascade's restore must leave it hidden
      await ann.softDelete({ cascade: true })
      expect(await soft.Story.count()).toBe(0)
      expect(await soft.Review.count()).toBe(0)
      expect(await soft.User.find()).toEqual([bob])
      expect(await soft.Story.count({ withDeleted: true })).toBe(2)
      expect((await bob.edited).length).toBe(0)
      await expect(story.restore()).rejects.toThrow(RestoreError)
      expect(story.isDeleted).toBe(true)
      await ann.restore({ cascade: true })
      expect((await soft.Story.find()).map((row) => row.title)).toEqual(['Hello'])
      expect(await soft.Review.count()).toBe(1)
      expect(own.isDeleted).toBe(true)
      await expect(ann.delete()).rejects.toThrow(DependentsError)
    })
  },
  2,
)
