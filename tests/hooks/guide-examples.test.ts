import { expect, it } from 'vitest'
import { AfterRestore, BeforeDelete, BeforeInsert, BeforeSoftDelete, Column, ORM, SoftDel } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import { MODEL, Story, User } from '../support/soft-model.js'

// ORM.md's "Hooks and subscribers" examples, run as written.

const mailer = {
  sent: [] as string[],
  send(message: string) {
    this.sent.push(message)
  },
}

/** The guide's Invoice: only this file uses it. */
class Invoice extends SoftDel {
  @Column() number: string
  @Column() locked: boolean = false
  @Column({ nullable: true }) reference?: string

  constructor(number: string) {
    super()
    this.number = number
  }
  @BeforeInsert() assignReference() {
    this.reference ??= `INV-${this.number}` // written by the same INSERT
  }
  @BeforeDelete() refuseIfLocked() {
    if (this.locked) throw new Error(`invoice ${this.number} is locked`) // nothing is deleted
  }
  @AfterRestore() notify() {
    mailer.send(`invoice ${this.number} is back`)
  }
}

/** The guide's LockedError and Ledger (Before-hooks). */
class LockedError extends Error {}
class Ledger extends SoftDel {
  @Column() locked: boolean = false
  @BeforeSoftDelete() refuseIfLocked() {
    if (this.locked) throw new LockedError('the ledger is locked')
  }
}

describeEachDialect('the guide’s hooks and subscribers', (db) => {
  it('runs the Invoice hooks as the guide says', async () => {
    mailer.sent.length = 0
    await db.boot([SoftDel, Invoice])
    const invoice = new Invoice('7')
    await ORM.flush()
    expect(await rawRows('SELECT reference FROM invoice')).toEqual([{ reference: 'INV-7' }])
    invoice.locked = true
    const error = await invoice.delete().catch((caught: unknown) => caught)
    expect((error as Error).message).toBe('invoice 7 is locked')
    expect(await rawRows('SELECT number FROM invoice')).toEqual([{ number: '7' }])
    await invoice.softDelete()
    await invoice.restore()
    expect(mailer.sent).toEqual(['invoice 7 is back'])
  })

  it('keeps the audit log of the ORM.on() example', async () => {
    await db.boot(MODEL)
    const ann = new User('ann')
    const one = new Story('one', ann)
    const two = new Story('two', ann)
    await ORM.flush()

    const auditLog: string[] = []
    const stop = ORM.on('softDelete', ({ className, ids, operation, isCascade }) => {
      auditLog.push(`${className} ${ids.join(', ')} soft-deleted by ${operation}${isCascade ? ' (cascade)' : ''}`)
    })
    await ann.softDelete({ cascade: true })
    expect(auditLog).toEqual([`User ${ann.id} soft-deleted by softDelete`, `Story ${one.id}, ${two.id} soft-deleted by softDelete (cascade)`])
    stop()
    await ann.restore({ cascade: true })
    await one.softDelete()
    expect(auditLog).toHaveLength(2)
  })

  it('lets the caller catch a before-hook’s own error class, as the guide does', async () => {
    await db.boot([SoftDel, Ledger])
    const ledger = new Ledger()
    ledger.locked = true
    await ORM.flush()
    const shown: string[] = []
    const showMessage = (message: string): void => void shown.push(message)
    try {
      await ledger.softDelete()
    } catch (error) {
      if (error instanceof LockedError) showMessage(error.message) // nothing was written
      else throw error
    }
    expect(shown).toEqual(['the ledger is locked'])
    // The refused soft delete stays pending, as after any failed flush: take it back before reading.
    expect(ledger.isDeleted).toBe(true)
    ledger.isDeleted = false
    expect(await rawRows('SELECT deleted_at FROM ledger')).toEqual([{ deleted_at: null }])
  })
})
