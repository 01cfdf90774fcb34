import { expect, it } from 'vitest'
import {
  Column,
  ConcurrencyError,
  DetachedInstanceError,
  Entity,
  ORM,
  OrmError,
  Relation,
  SoftDel,
  type EntityClass,
} from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { bootWithSideDoor, caught, columnValues, type BehindTheOrm } from './behind-the-orm.js'

// Writes to rows that another connection deleted: the flush (or call) refuses, writes nothing, and
// detaches the instance of the vanished row; the rest stays pending.

class Tag extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Account extends Entity {
  @Column() email: string
  @Relation(() => Tag) tags: Tag[] = []
  constructor(email: string) {
    super()
    this.email = email
  }
}

class Post extends SoftDel {
  @Column() title: string
  constructor(title: string) {
    super()
    this.title = title
  }
}

const CLASSES: EntityClass[] = [SoftDel, Tag, Account, Post]

let side: BehindTheOrm

async function deleteBehindOrm(table: string, id: unknown): Promise<void> {
  await side.run(`DELETE FROM "${table}" WHERE id = ?`, [id])
}

async function emails(): Promise<unknown[]> {
  return columnValues(side, 'account', 'email')
}

describeEachDialect('writes to vanished rows', (db) => {
  it('rejects a flush that changes a row deleted by another connection with a ConcurrencyError naming class and id', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('ann')
    await ORM.flush()
    await deleteBehindOrm('account', ann.id)
    ann.email = 'x'
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(ConcurrencyError)
    expect(error).toBeInstanceOf(OrmError)
    expect((error as ConcurrencyError).message).toContain(`Account #${String(ann.id)}`)
    expect((error as ConcurrencyError).message).toContain('deleted or changed by someone else')
    expect([(error as ConcurrencyError).className, (error as ConcurrencyError).id, (error as ConcurrencyError).reason]).toEqual(['Account', ann.id, 'deleted'])
  })

  it('writes nothing from that flush, detaches the vanished instance, and writes the other pending changes at the next flush', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('ann')
    const bob = new Account('bob')
    await ORM.flush()
    await deleteBehindOrm('account', ann.id)
    ann.email = 'ann-2'
    bob.email = 'bob-2'
    const cid = new Account('cid')
    await expect(ORM.flush()).rejects.toBeInstanceOf(ConcurrencyError)
    expect(await emails()).toEqual(['bob'])
    expect(() => {
      ann.email = 'ann-3'
    }).toThrow(DetachedInstanceError)
    await ORM.flush()
    expect(await emails()).toEqual(['bob-2', 'cid'])
    expect(await Account.findById(ann.id)).toBeUndefined()
    expect(await Account.findById(cid.id)).toBe(cid)
  })

  it('rolls back a batched update that hit all rows but one', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const accounts = Array.from({ length: 10 }, (_, i) => new Account(`a${i}`))
    await ORM.flush()
    await deleteBehindOrm('account', accounts[4]?.id)
    for (const account of accounts) account.email += '-changed'
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(ConcurrencyError)
    expect((error as ConcurrencyError).id).toBe(accounts[4]?.id)
    expect(await emails()).toEqual(accounts.filter((_, i) => i !== 4).map((_, i) => `a${i < 4 ? i : i + 1}`))
    await ORM.flush()
    expect(await emails()).toEqual(accounts.filter((_, i) => i !== 4).map((_, i) => `a${i < 4 ? i : i + 1}-changed`))
  })

  it('names the first missed row, counts the others, and detaches every one of them', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const accounts = Array.from({ length: 5 }, (_, i) => new Account(`a${i}`))
    await ORM.flush()
    await deleteBehindOrm('account', accounts[1]?.id)
    await deleteBehindOrm('account', accounts[3]?.id)
    for (const account of accounts) account.email += '-changed'
    const error = await caught(ORM.flush())
    expect((error as Error).message).toContain(`Account #${String(accounts[1]?.id)} (and 1 more row)`)
    await ORM.flush()
    expect(await emails()).toEqual(['a0-changed', 'a2-changed', 'a4-changed'])
    for (const vanished of [accounts[1], accounts[3]]) await expect(vanished?.save()).rejects.toBeInstanceOf(DetachedInstanceError)
  })

  it('checks the rows it updates within the one batched statement it sends', async () => {
    const queries: string[] = []
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false, onQuery: ({ sql }) => queries.push(sql) })
    const accounts = Array.from({ length: 10 }, (_, i) => new Account(`a${i}`))
    await ORM.flush()
    queries.length = 0
    for (const account of accounts) account.email += '-changed'
    await ORM.flush()
    expect(queries).toEqual([
      db.isPostgres
        ? 'WITH hit AS (UPDATE "account" AS t SET "email" = v.c0, "updated_at" = $2::timestamptz FROM unnest($1::text[], $3::int4[]) ' +
          'AS v(c0, id) WHERE t."id" = v.id RETURNING t."id") SELECT 1 / (count(*) OVER () = $4)::int FROM hit'
        : 'UPDATE "account" SET "email" = ?, "updated_at" = ? WHERE "id" = ?',
    ])
  })

  it('refuses delete() of an instance whose row vanished, and detaches it', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('ann')
    await ORM.flush()
    await deleteBehindOrm('account', ann.id)
    const error = await caught(ann.delete())
    expect(error).toBeInstanceOf(ConcurrencyError)
    expect((error as Error).message).toContain(`Account #${String(ann.id)}`)
    await expect(ann.save()).rejects.toBeInstanceOf(DetachedInstanceError)
  })

  it('refuses isDeleted = true and softDelete() on an instance whose row vanished', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const byFlag = new Post('flag')
    const byMethod = new Post('method')
    const byCascade = new Post('cascade')
    const kept = new Post('kept')
    await ORM.flush()
    for (const post of [byFlag, byMethod, byCascade]) await deleteBehindOrm('post', post.id)
    byFlag.isDeleted = true
    kept.title = 'kept-2'
    await expect(ORM.flush()).rejects.toBeInstanceOf(ConcurrencyError)
    await expect(byMethod.softDelete()).rejects.toBeInstanceOf(ConcurrencyError)
    await expect(byCascade.softDelete({ cascade: true })).rejects.toBeInstanceOf(ConcurrencyError)
    for (const post of [byFlag, byMethod, byCascade]) await expect(post.save()).rejects.toBeInstanceOf(DetachedInstanceError)
    await ORM.flush()
    expect((await Post.find({ withDeleted: true })).map((post) => post.title)).toEqual(['kept-2'])
  })

  it('refuses isDeleted = false and restore() on an instance whose row vanished', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const byFlag = new Post('flag')
    const byMethod = new Post('method')
    await ORM.flush()
    byFlag.isDeleted = true
    byMethod.isDeleted = true
    await ORM.flush()
    await deleteBehindOrm('post', byFlag.id)
    await deleteBehindOrm('post', byMethod.id)
    byFlag.isDeleted = false
    await expect(ORM.flush()).rejects.toBeInstanceOf(ConcurrencyError)
    await expect(byMethod.restore()).rejects.toBeInstanceOf(ConcurrencyError)
    expect(() => {
      byFlag.title = 'x'
    }).toThrow(DetachedInstanceError)
    await expect(byMethod.save()).rejects.toBeInstanceOf(DetachedInstanceError)
  })

  it('refuses a to-many change of an owner whose row vanished, and writes no junction row', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('ann')
    const news = new Tag('news')
    await ORM.flush()
    await deleteBehindOrm('account', ann.id)
    ann.tags.push(news)
    const error = await caught(ORM.flush())
    expect(error).toBeInstanceOf(ConcurrencyError)
    expect((error as ConcurrencyError).id).toBe(ann.id)
    expect(await side.run('SELECT * FROM account_tags')).toEqual([])
  })

  it('rolls back only the flush inside ORM.transaction, and the error propagates', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('ann')
    const bob = new Account('bob')
    await ORM.flush()
    await deleteBehindOrm('account', ann.id)
    let inside: unknown
    const outcome = await caught(
      ORM.transaction(async () => {
        bob.email = 'bob-2'
        await ORM.flush()
        ann.email = 'ann-2'
        inside = await caught(ORM.flush())
        const seen = await ORM.query('SELECT email FROM account ORDER BY id')
        expect(seen.map((row) => row.email)).toEqual(['bob-2'])
        throw inside
      }),
    )
    expect(inside).toBeInstanceOf(ConcurrencyError)
    expect(outcome).toBe(inside)
    expect(await emails()).toEqual(['bob'])
  })
})
