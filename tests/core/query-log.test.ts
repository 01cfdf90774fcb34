import { expect, it } from 'vitest'
import { BootError, Column, Entity, ORM, UniqueConstraintError, type BootOptions, type QueryEvent } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class Member extends Entity {
  @Column({ unique: true }) name: string
  @Column({ type: 'integer' }) visits: number
  @Column({ nullable: true }) passwordHash?: string
}

function member(name: string, visits = 0): Member {
  return Object.assign(new Member(), { name, visits })
}

/** A logger that keeps what it receives, per level. */
function recordingLogger(withInfo = true): { info: string[]; warn: string[]; logger: NonNullable<BootOptions['logger']> } {
  const info: string[] = []
  const warn: string[] = []
  const logger = withInfo
    ? { info: (message: string) => info.push(message), warn: (message: string) => warn.push(message) }
    : { warn: (message: string) => warn.push(message) }
  return { info, warn, logger }
}

describeEachDialect('onQuery', (db) => {
  async function bootRecording(options: BootOptions = {}): Promise<QueryEvent[]> {
    const events: QueryEvent[] = []
    await db.boot([Member], { ...options, onQuery: (event) => events.push(event) })
    return events
  }

  it('receives the SQL, parameters, duration and row count of a find', async () => {
    const events = await bootRecording()
    member('ann')
    member('bob')
    await ORM.flush()
    events.length = 0
    await Member.find({ where: { name: 'ann' } })
    expect(events).toHaveLength(1)
    const [event] = events as [QueryEvent]
    expect(event.sql).toMatch(/^SELECT .* FROM "member" WHERE "name" = (\?|\$1)/)
    expect(event.params).toEqual(['ann'])
    expect(event.rowCount).toBe(1)
    expect(event.runs).toBe(1)
    expect(typeof event.durationMs).toBe('number')
    expect(event.durationMs).toBeGreaterThanOrEqual(0)
    expect(event.error).toBeUndefined()
  })

  it('reports a batched insert as one event per statement text, with the total row count', async () => {
    const events = await bootRecording()
    member('ann')
    member('bob')
    member('cy')
    await ORM.flush()
    expect(events).toHaveLength(1)
    const [insert] = events as [QueryEvent]
    expect(insert.sql).toMatch(/^INSERT INTO "member"/)
    expect(insert.rowCount).toBe(3)
    if (db.isPostgres) {
      // One statement with one array per column (unnest).
      expect(insert.runs).toBe(1)
      expect(insert.params).toContainEqual(['ann', 'bob', 'cy'])
    } else {
      // One prepared statement run per row: the parameters are those of the first run.
      expect(insert.runs).toBe(3)
      expect(insert.params).toContain('ann')
      expect(insert.params).not.toContain('bob')
    }
  })

  it('reports the chunked multi-row insert of SQLite and its remainder as two events', async () => {
    const events = await bootRecording()
    for (let i = 0; i < 70; i++) member(`m${i}`)
    await ORM.flush()
    const inserts = events.filter((event) => event.sql.startsWith('INSERT'))
    expect(inserts.reduce((sum, event) => sum + event.rowCount, 0)).toBe(70)
    if (db.isPostgres) expect(inserts.map((event) => event.runs)).toEqual([1])
    else expect(inserts.map((event) => [event.runs, event.rowCount])).toEqual([[1, 64], [6, 6]])
    expect(await Member.count()).toBe(70)
  })

  it('counts the rows an update changed', async () => {
    const events = await bootRecording()
    const ann = member('ann')
    const bob = member('bob')
    await ORM.flush()
    events.length = 0
    ann.visits = 1
    bob.visits = 2
    await ORM.flush()
    // On PostgreSQL the batched UPDATE is wrapped in `WITH hit AS (UPDATE ...)`, which still counts the rows changed.
    const updates = events.filter((event) => event.sql.includes('UPDATE'))
    expect(updates).toHaveLength(1)
    expect(updates[0]?.rowCount).toBe(2)
  })

  it('reports a failed statement with its error, and the call still rejects with the typed error', async () => {
    const { warn, logger } = recordingLogger()
    const events = await bootRecording({ logger })
    member('ann')
    await ORM.flush()
    events.length = 0
    member('ann')
    await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
    const failed = events.find((event) => event.sql.startsWith('INSERT'))
    expect(failed?.error).toBeInstanceOf(Error)
    expect(failed?.rowCount).toBe(0)
    await ORM.close({ discardPending: true })
    expect(warn).toHaveLength(1)
  })

  it('reports raw ORM.query statements with their row count', async () => {
    const events = await bootRecording()
    member('ann')
    member('bob')
    await ORM.flush()
    events.length = 0
    const placeholder = db.isPostgres ? '$1' : '?'
    await ORM.query(`SELECT name FROM member WHERE visits = ${placeholder}`, [0])
    expect(events).toEqual([expect.objectContaining({ params: [0], rowCount: 2, runs: 1 })])
  })

  it('counts the statements a call costs, as ORM.md shows', async () => {
    let statements = 0
    await db.boot([Member], { onQuery: () => statements++ })
    await Member.find()
    expect(statements).toBe(1)
  })

  it('refuses an onQuery that is not a function, before opening the database', async () => {
    await expect(db.boot([Member], { onQuery: 'yes' as never })).rejects.toThrow(
      new BootError('ORM.boot(): onQuery must be a function that receives { sql, params, durationMs, rowCount, runs }, not the string "yes".'),
    )
  })
})

describeEachDialect('logSql', (db) => {
  it('logs each statement with its parameters, timing and row count through logger.info', async () => {
    const { info, warn, logger } = recordingLogger()
    await db.boot([Member], { logSql: true, logger })
    member('ann')
    await ORM.flush()
    await Member.find({ where: { name: 'ann' } })
    expect(warn).toEqual([])
    expect(info).toHaveLength(2)
    expect(info[0]).toMatch(/^veil-orm SQL \(\d+\.\d\d ms, 1 row\): INSERT INTO "member" .* -- params: /)
    expect(info[1]).toMatch(/^veil-orm SQL \(\d+\.\d\d ms, 1 row\): SELECT .* WHERE "name" = (\?|\$1).* -- params: \["ann"\]$/)
  })

  it('redacts nothing by default and lets redact() choose the parameters to print', async () => {
    const { info, logger } = recordingLogger()
    await db.boot([Member], {
      logger,
      logSql: { redact: ({ sql, params }) => (sql.includes('"password_hash"') ? params.map(() => '***') : params) },
    })
    Object.assign(member('ann'), { passwordHash: 'secret' })
    await ORM.flush()
    await ORM.query(db.isPostgres ? 'SELECT $1::text AS x' : 'SELECT ? AS x', ['visible'])
    expect(info.join('\n')).not.toContain('secret')
    expect(info[0]).toContain('"***"')
    expect(info[1]).toContain('["visible"]')
  })

  it('logs a failed statement with its error', async () => {
    const { info, logger } = recordingLogger()
    await db.boot([Member], { logSql: true, logger })
    await expect(ORM.query('SELECT * FROM no_such_table', [])).rejects.toThrow()
    expect(info).toHaveLength(1)
    expect(info[0]).toMatch(/^veil-orm SQL failed \(\d+\.\d\d ms: .*no_such_table.*\): SELECT \* FROM no_such_table$/)
  })

  it('logs through warn when the logger has no info, and feeds onQuery too', async () => {
    const { warn, logger } = recordingLogger(false)
    const events: QueryEvent[] = []
    await db.boot([Member], { logSql: true, logger, onQuery: (event) => events.push(event) })
    await Member.find()
    expect(warn).toEqual([expect.stringMatching(/^veil-orm SQL \(\d+\.\d\d ms, 0 rows\): SELECT /)])
    expect(events).toHaveLength(1)
  })

  it('refuses a logSql that is not true, false or { redact }', async () => {
    await expect(db.boot([Member], { logSql: { redakt: () => [] } as never })).rejects.toThrow(
      new BootError("ORM.boot(): logSql has no option 'redakt'; it takes true, false or { redact: (event) => params }."),
    )
    await expect(db.boot([Member], { logSql: 'debug' as never })).rejects.toThrow(
      new BootError('ORM.boot(): logSql must be true, false or { redact: (event) => params }, not the string "debug".'),
    )
  })
})
