import { expect, it } from 'vitest'
import { BootError, Column, Entity, ORM, Table, type EntityClass } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

// Versions of one class (one table through @Table), declared here because only this file boots a
// class over a column made for another type.

class Task extends Entity {
  @Column({ type: 'integer' }) priority: number
  @Column({ nullable: true }) note?: string
  @Column() done: boolean = false
}
@Table({ name: 'task' })
class TaskPriorityText extends Entity {
  @Column() priority: string
  @Column({ nullable: true }) note?: string
  @Column() done: boolean = false
}
@Table({ name: 'task' })
class TaskNoteRequired extends Entity {
  @Column({ type: 'integer' }) priority: number
  @Column() note: string
  @Column() done: boolean = false
}
@Table({ name: 'task' })
class TaskPriorityReal extends Entity {
  @Column() priority: number
  @Column({ nullable: true }) note?: string
  @Column() done: boolean = false
}

@Table({ name: 'task' })
class TaskUuid extends Entity {
  static ormClassSettings_ = { idType: 'UUID' }
  @Column({ type: 'integer' }) priority: number
  @Column({ nullable: true }) note?: string
  @Column() done: boolean = false
}

// A table another tool created with its own spelling of timestamps (the shared benchmark's schema does this).
@Table({ name: 'event' })
class Event extends Entity {
  @Column() at: Date
}

async function seed(db: DialectContext, note: string | undefined): Promise<void> {
  await db.boot([Task])
  Object.assign(new Task(), { priority: 1, note })
  await ORM.close()
}

async function bootAgain(db: DialectContext, classes: readonly EntityClass[], warnings: string[] = []): Promise<void> {
  await ORM.boot(classes, { ...db.connectionOptions(), logger: { warn: (message) => warnings.push(message) } })
}

describeEachDialect('drift at boot', (db) => {
  it('refuses a property whose column cannot hold its type, naming Class.property, both types and how to migrate; nothing changes', async () => {
    await seed(db, 'a')
    const error = await bootAgain(db, [TaskPriorityText]).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BootError)
    const message = (error as BootError).message
    expect(message).toContain('TaskPriorityText.priority')
    expect(message).toMatch(/is a text property, stored as TEXT, but the database column is INTEGER, which cannot hold it/)
    expect(message).toContain('ORM.schemaDiff()')
    expect(message).toMatch(db.isPostgres ? /ALTER TABLE "task" ALTER COLUMN "priority" TYPE text/ : /CREATE TABLE "task_veil_rebuild"/)
    await bootAgain(db, [Task])
    expect(await rawRows('SELECT priority, note FROM task')).toEqual([{ priority: 1, note: 'a' }])
    expect(await ORM.schemaDiff()).toEqual([])
  })

  it('refuses a required property over a nullable column that holds NULLs, and boots once the rows have values', async () => {
    await seed(db, undefined)
    const error = await bootAgain(db, [TaskNoteRequired]).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toMatch(/TaskNoteRequired\.note \(column "task"."note"\) is a required text property, but its nullable column holds NULLs/)
    expect((error as BootError).message).toContain('UPDATE "task" SET "note"')
    await bootAgain(db, [Task])
    await ORM.query(`UPDATE task SET note = 'filled'`)
    await ORM.close()
    await bootAgain(db, [TaskNoteRequired])
    expect((await ORM.schemaDiff()).map((d) => `${d.kind} ${d.column}`)).toEqual(['alterColumnNullability note'])
  })

  it('refuses an idType changed over an existing id column', async () => {
    await seed(db, 'a')
    await expect(bootAgain(db, [TaskUuid])).rejects.toThrow(/TaskUuid\.id \(column "task"."id"\) is a uuid property, stored as (TEXT|UUID), but the database column is INTEGER, which cannot hold it/)
  })

  it('checks drift with skipTableCreation too', async () => {
    await seed(db, 'a')
    await expect(ORM.boot([TaskPriorityText], { ...db.connectionOptions(), skipTableCreation: true })).rejects.toThrow(/cannot hold it/)
  })

  it('boots over a wider type with a warning and uses it', async () => {
    await db.boot([TaskPriorityReal])
    Object.assign(new TaskPriorityReal(), { priority: 2 })
    await ORM.close()
    const warnings: string[] = []
    await bootAgain(db, [Task], warnings)
    expect(warnings).toContainEqual(expect.stringMatching(/Task\.priority \(column "task"."priority"\) is (REAL|DOUBLE PRECISION) in the database where veil-orm creates INTEGER/))
    const task = await Task.findOne({ where: { priority: 2 } })
    expect(task?.priority).toBe(2)
  })

  it('boots over date columns another tool declared DATETIME (SQLite) or TIMESTAMP (PostgreSQL), with a warning', async () => {
    await db.boot([])
    const other = await db.openSecondConnection()
    const [id, stamp] = db.isPostgres ? ['SERIAL PRIMARY KEY', 'TIMESTAMP'] : ['INTEGER PRIMARY KEY AUTOINCREMENT', 'DATETIME']
    await other.run(`CREATE TABLE event (id ${id}, created_at ${stamp} NOT NULL, updated_at ${stamp} NOT NULL, at ${stamp} NOT NULL)`)
    await other.close()
    await ORM.close()
    const warnings: string[] = []
    await ORM.boot([Event], { ...db.connectionOptions(), skipTableCreation: true, logger: { warn: (message) => warnings.push(message) } })
    expect(warnings).toContainEqual(expect.stringMatching(/Event\.at \(column "event"."at"\) is (DATETIME|TIMESTAMP WITHOUT TIME ZONE) in the database/))
    const at = new Date('2026-11-30T12:00:00.000Z')
    const event = Object.assign(new Event(), { at })
    await ORM.flush()
    await ORM.close()
    await ORM.boot([Event], { ...db.connectionOptions(), skipTableCreation: true, logger: { warn: () => {} } })
    const [loaded] = await Event.find({ where: { id: event.id } })
    expect(loaded?.at.getTime()).toBe(at.getTime())
  })

  it('warns about an optional property over a NOT NULL column', async () => {
    await db.boot([TaskNoteRequired])
    await ORM.close()
    const warnings: string[] = []
    await bootAgain(db, [Task], warnings)
    expect(warnings).toContainEqual(expect.stringMatching(/Task\.note \(column "task"."note"\) is optional but its column is NOT NULL/))
  })
}, ['sqlite-file', 'postgres'])
