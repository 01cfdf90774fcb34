import { expect, it } from 'vitest'
import { BeforeDelete, BeforeSoftDelete, BeforeUpdate, Column, ORM, SoftDel } from '../../lib/index.js'
import { describeEachDialect, type SecondConnection } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

// A bulk form of a class with before-hooks reads the rows, runs their hooks, then writes: the write must
// stay on the rows whose hooks ran, even when another connection makes more rows match in between. Only
// PostgreSQL (read committed) lets another connection commit a matching row inside that window; SQLite
// lets one writer at a time hold the database, so the race cannot happen there.

let other: SecondConnection | undefined
/** The row the other connection commits during the first hook. */
let lateRow = `INSERT INTO ticket (created_at, updated_at, queue, label) VALUES (now(), now(), 'a', 'late')`
const hooked: string[] = []

class Ticket extends SoftDel {
  @Column() queue: string
  @Column() label: string
  constructor(queue: string, label: string) {
    super()
    this.queue = queue
    this.label = label
  }
  @BeforeSoftDelete() @BeforeUpdate() @BeforeDelete() async before(): Promise<void> {
    hooked.push(this.label)
    // The first hook lets another connection commit one more row that matches the bulk call's where.
    const connection = other
    other = undefined
    await connection?.run(lateRow)
  }
}

describeEachDialect('bulk forms with before-hooks, racing another connection', (db) => {
  async function seed(): Promise<SecondConnection> {
    await db.boot([Ticket])
    new Ticket('a', 'one')
    new Ticket('a', 'two')
    await ORM.flush()
    hooked.length = 0
    return db.openSecondConnection()
  }

  it('soft-deletes only the rows whose hooks ran, not a row that began to match meanwhile', async () => {
    const connection = await seed()
    other = connection
    expect(await Ticket.softDelete({ where: { queue: 'a' } })).toBe(2)
    await connection.close()
    expect(hooked.sort()).toEqual(['one', 'two'])
    expect(await rawRows('SELECT label FROM ticket WHERE deleted_at IS NULL')).toEqual([{ label: 'late' }])
  })

  it('updates only the rows whose hooks ran, not a row that began to match meanwhile', async () => {
    const connection = await seed()
    other = connection
    expect(await Ticket.update({ where: { queue: 'a' } }, { queue: 'b' })).toBe(2)
    await connection.close()
    expect(hooked.sort()).toEqual(['one', 'two'])
    expect(await rawRows(`SELECT label FROM ticket WHERE queue = 'a'`)).toEqual([{ label: 'late' }])
  })

  it('purges only the rows whose hooks ran, not a row soft-deleted long ago by another connection meanwhile', async () => {
    const connection = await seed()
    const tickets = await Ticket.find()
    for (const ticket of tickets) ticket.isDeleted = true
    await ORM.flush()
    await rawRows(`UPDATE ticket SET deleted_at = now() - interval '10 days'`)
    hooked.length = 0
    lateRow = `INSERT INTO ticket (created_at, updated_at, deleted_at, queue, label) VALUES (now(), now(), now() - interval '10 days', 'a', 'late')`
    other = connection
    const { purged } = await Ticket.purgeDeleted({ olderThan: new Date(Date.now() - 86_400_000) })
    await connection.close()
    expect(purged).toBe(2)
    expect(hooked.sort()).toEqual(['one', 'two'])
    expect(await rawRows('SELECT label FROM ticket')).toEqual([{ label: 'late' }])
  })
}, ['postgres'])
