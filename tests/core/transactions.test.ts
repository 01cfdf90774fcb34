import { expect, it } from 'vitest'
import { Column, DetachedInstanceError, Entity, ORM, UniqueConstraintError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

class Wallet extends Entity {
  @Column() owner: string
  @Column({ unique: true }) email: string
  @Column({ type: 'integer' }) balance = 0
  @Column({ type: 'json' }) tags: string[] = []
  constructor(owner: string, email: string, balance = 0) {
    super()
    this.owner = owner
    this.email = email
    this.balance = balance
  }
}

async function owners(): Promise<string[]> {
  const rows = await rawRows('SELECT owner FROM wallet ORDER BY owner')
  return rows.map((row) => String(row.owner))
}

class Boom extends Error {}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describeEachDialect('ORM.transaction()', (db) => {
  it('commits everything done inside and returns the callback result', async () => {
    await db.boot([Wallet])
    const ann = new Wallet('Ann', 'ann@example.com', 100)
    await ORM.flush()
    const result = await ORM.transaction(async () => {
      ann.balance -= 30
      new Wallet('Bob', 'bob@example.com', 30)
      new Wallet('Cid', 'cid@example.com')
      return 'done'
    })
    expect(result).toBe('done')
    expect(await rawRows('SELECT owner, balance FROM wallet ORDER BY owner')).toEqual([
      { owner: 'Ann', balance: 70 },
      { owner: 'Bob', balance: 30 },
      { owner: 'Cid', balance: 0 },
    ])
  })

  it('rolls back the rows written inside when the callback throws, and rethrows the same error', async () => {
    await db.boot([Wallet])
    new Wallet('Ann', 'ann@example.com')
    await ORM.flush()
    const boom = new Boom('boom')
    const error = await ORM.transaction(async () => {
      new Wallet('Bob', 'bob@example.com')
      await ORM.flush()
      expect(await Wallet.count()).toBe(2)
      throw boom
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBe(boom)
    expect(await owners()).toEqual(['Ann'])
  })

  it('detaches an instance created and flushed in a rolled-back transaction', async () => {
    await db.boot([Wallet])
    let bob: Wallet | undefined
    await expect(
      ORM.transaction(async () => {
        bob = new Wallet('Bob', 'bob@example.com')
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(() => {
      ;(bob as Wallet).owner = 'Bobby'
    }).toThrow(DetachedInstanceError)
    expect(await owners()).toEqual([])
  })

  it('detaches an instance created but never flushed in a rolled-back transaction', async () => {
    await db.boot([Wallet])
    let bob: Wallet | undefined
    await expect(
      ORM.transaction(async () => {
        bob = new Wallet('Bob', 'bob@example.com')
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(() => {
      ;(bob as Wallet).owner = 'Bobby'
    }).toThrow(DetachedInstanceError)
    await ORM.flush()
    expect(await owners()).toEqual([])
  })

  it('gives loaded instances changed in a rolled-back transaction their previous values back', async () => {
    await db.boot([Wallet])
    const ann = new Wallet('Ann', 'ann@example.com', 100)
    ann.tags = ['gold']
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        ann.balance = 0
        ann.owner = 'Changed'
        ann.tags.push('frozen')
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(ann.owner).toBe('Ann')
    expect(ann.balance).toBe(100)
    expect(ann.tags).toEqual(['gold'])
    await ORM.flush()
    const [row] = await rawRows('SELECT owner, balance, tags FROM wallet')
    expect(row?.owner).toBe('Ann')
    expect(row?.balance).toBe(100)
    expect(typeof row?.tags === 'string' ? JSON.parse(row.tags) : row?.tags).toEqual(['gold'])
  })

  it('persists later changes to an instance that a rollback reverted', async () => {
    await db.boot([Wallet])
    const ann = new Wallet('Ann', 'ann@example.com', 100)
    ann.tags = ['gold']
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        ann.balance = 0
        ann.tags.push('frozen')
        await ORM.flush()
        throw new Boom('boom')
      }),
    ).rejects.toBeInstanceOf(Boom)
    ann.balance = 70
    ann.tags.push('silver')
    await ORM.flush()
    const [row] = await rawRows('SELECT balance, tags FROM wallet')
    expect(row?.balance).toBe(70)
    expect(typeof row?.tags === 'string' ? JSON.parse(row.tags) : row?.tags).toEqual(['gold', 'silver'])
  })

  it('keeps the outer writes and drops the inner ones when an inner transaction throws and is caught', async () => {
    await db.boot([Wallet])
    let inner: Wallet | undefined
    await ORM.transaction(async () => {
      new Wallet('Outer', 'outer@example.com')
      await ORM.flush()
      await ORM.transaction(async () => {
        inner = new Wallet('Inner', 'inner@example.com')
        await ORM.flush()
        throw new Boom('inner')
      }).catch((error: unknown) => {
        if (!(error instanceof Boom)) throw error
      })
      new Wallet('After', 'after@example.com')
    })
    expect(await owners()).toEqual(['After', 'Outer'])
    expect(() => {
      ;(inner as Wallet).owner = 'x'
    }).toThrow(DetachedInstanceError)
  })

  it('drops a committed inner transaction when the outer one throws', async () => {
    await db.boot([Wallet])
    let inner: Wallet | undefined
    await expect(
      ORM.transaction(async () => {
        new Wallet('Outer', 'outer@example.com')
        await ORM.transaction(async () => {
          inner = new Wallet('Inner', 'inner@example.com')
        })
        throw new Boom('outer')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(await owners()).toEqual([])
    expect(() => {
      ;(inner as Wallet).owner = 'x'
    }).toThrow(DetachedInstanceError)
  })

  it('lets finds inside a transaction see its own writes', async () => {
    await db.boot([Wallet])
    const ann = new Wallet('Ann', 'ann@example.com', 10)
    await ORM.flush()
    await ORM.transaction(async () => {
      ann.balance = 20
      const bob = new Wallet('Bob', 'bob@example.com', 5)
      expect(await Wallet.find({ orderBy: { owner: 'asc' } })).toEqual([ann, bob])
      expect(await Wallet.count({ where: { balance: 20 } })).toBe(1)
      expect(await Wallet.findOne({ where: { email: 'bob@example.com' } })).toBe(bob)
    })
  })

  it('lets the caller catch a unique violation inside a transaction, fix the value and commit', async () => {
    await db.boot([Wallet])
    new Wallet('Ann', 'ann@example.com')
    await ORM.flush()
    await ORM.transaction(async () => {
      new Wallet('Bob', 'bob@example.com')
      const clash = new Wallet('Cid', 'ann@example.com')
      const error = await ORM.flush().then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(UniqueConstraintError)
      expect((error as UniqueConstraintError).className).toBe('Wallet')
      expect((error as UniqueConstraintError).property).toBe('email')
      clash.email = 'cid@example.com'
      await ORM.flush()
    })
    expect(await rawRows('SELECT owner, email FROM wallet ORDER BY owner')).toEqual([
      { owner: 'Ann', email: 'ann@example.com' },
      { owner: 'Bob', email: 'bob@example.com' },
      { owner: 'Cid', email: 'cid@example.com' },
    ])
  })

  it('commits the rows of two concurrent transactions', async () => {
    await db.boot([Wallet])
    await Promise.all([
      ORM.transaction(async () => {
        new Wallet('Ann', 'ann@example.com')
        await Wallet.count()
        new Wallet('Amy', 'amy@example.com')
      }),
      ORM.transaction(async () => {
        new Wallet('Bob', 'bob@example.com')
        await Wallet.count()
        new Wallet('Ben', 'ben@example.com')
      }),
    ])
    expect(await owners()).toEqual(['Amy', 'Ann', 'Ben', 'Bob'])
  })

  it('rolls back only the failing one of two concurrent transactions', async () => {
    await db.boot([Wallet])
    const [failed, committed] = await Promise.allSettled([
      ORM.transaction(async () => {
        new Wallet('Ann', 'ann@example.com')
        await Wallet.count()
        new Wallet('Amy', 'amy@example.com')
        await Wallet.count()
        throw new Boom('first')
      }),
      ORM.transaction(async () => {
        new Wallet('Bob', 'bob@example.com')
        await Wallet.count()
        new Wallet('Ben', 'ben@example.com')
      }),
    ])
    expect(failed.status).toBe('rejected')
    expect(committed.status).toBe('fulfilled')
    expect(await owners()).toEqual(['Ben', 'Bob'])
  })
})

describeEachDialect(
  'ORM.transaction() isolation',
  (db) => {
    it('hides the rows of an open transaction from a second connection until it commits', async () => {
      await db.boot([Wallet])
      new Wallet('Ann', 'ann@example.com')
      await ORM.flush()
      const other = await db.openSecondConnection()
      await ORM.transaction(async () => {
        new Wallet('Bob', 'bob@example.com')
        await ORM.flush()
        expect(await Wallet.count()).toBe(2)
        expect(await other.run('SELECT owner FROM wallet ORDER BY owner')).toEqual([{ owner: 'Ann' }])
      })
      expect(await other.run('SELECT owner FROM wallet ORDER BY owner')).toEqual([{ owner: 'Ann' }, { owner: 'Bob' }])
    })

    it('never shows a second connection the rows of a rolled-back transaction', async () => {
      await db.boot([Wallet])
      const other = await db.openSecondConnection()
      await expect(
        ORM.transaction(async () => {
          new Wallet('Bob', 'bob@example.com')
          await ORM.flush()
          throw new Boom('boom')
        }),
      ).rejects.toBeInstanceOf(Boom)
      expect(await other.run('SELECT owner FROM wallet')).toEqual([])
    })
  },
  ['sqlite-file', 'postgres'],
)

describeEachDialect(
  'ORM.transaction() concurrency',
  (db) => {
    it('keeps two interleaved transactions apart: each sees only its own uncommitted rows', async () => {
      await db.boot([Wallet])
      const firstFlushed = deferred()
      const secondFlushed = deferred()
      // The first commits only after the second counted: under READ COMMITTED a count after that
      // commit would rightly see its rows, which is not what this test is about.
      const secondCounted = deferred()
      const counts = await Promise.all([
        ORM.transaction(async () => {
          new Wallet('Ann', 'ann@example.com')
          new Wallet('Amy', 'amy@example.com')
          await ORM.flush()
          firstFlushed.resolve()
          await secondFlushed.promise
          const count = await Wallet.count()
          await secondCounted.promise
          return count
        }),
        ORM.transaction(async () => {
          new Wallet('Bob', 'bob@example.com')
          await ORM.flush()
          secondFlushed.resolve()
          await firstFlushed.promise
          const count = await Wallet.count()
          secondCounted.resolve()
          return count
        }),
      ])
      expect(counts).toEqual([2, 1])
      expect(await owners()).toEqual(['Amy', 'Ann', 'Bob'])
    })
  },
  ['postgres'],
)
