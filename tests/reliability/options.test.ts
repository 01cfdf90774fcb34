import { expect, it } from 'vitest'
import { BootError, Column, ORM, Relation, SoftDel, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class Writer extends SoftDel {
  @Column() name: string
  @Relation(() => Note, { inverse: 'writer' }) notes: Note[]
}
class Note extends SoftDel {
  @Column() text: string
  @Relation(() => Writer) writer: Writer
}

const FIND_OPTIONS = 'Valid options: where, orderBy, limit, offset, relations, withDeleted, onlyDeleted, consistency.'

describeEachDialect('options objects', (db) => {
  async function bootWithNotes(): Promise<{ ann: Writer; note: Note; queries: string[] }> {
    const queries: string[] = []
    await db.boot([Writer, Note], { onQuery: ({ sql }) => queries.push(sql) })
    const ann = Object.assign(new Writer(), { name: 'ann' })
    const note = Object.assign(new Note(), { text: 'hello', writer: ann })
    await ann.softDelete({ cascade: true })
    queries.length = 0
    return { ann, note, queries }
  }

  it("refuses Sequelize's paranoid: false with a hint and the valid options, before any SQL", async () => {
    const { queries } = await bootWithNotes()
    const error = await Writer.find({ paranoid: false } as never).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toBe(
      "Writer.find() has no option 'paranoid' (use withDeleted: true to include soft-deleted rows, Sequelize's paranoid: false). " +
        FIND_OPTIONS,
    )
    expect(queries).toEqual([])
  })

  it('refuses an unknown key in every options object', async () => {
    const { ann } = await bootWithNotes()
    const anyOptions = { nope: 1 } as never
    const calls: [string, () => Promise<unknown>][] = [
      ['Writer.find()', () => Writer.find(anyOptions)],
      ['Writer.findOne()', () => Writer.findOne(anyOptions)],
      ['Writer.findById()', () => Writer.findById(ann.id, anyOptions)],
      ['Writer.count()', () => Writer.count(anyOptions)],
      ['Writer.delete()', () => Writer.delete({ where: {}, nope: 1 } as never)],
      ['Writer.softDelete()', () => Writer.softDelete({ where: {}, nope: 1 } as never)],
      ['Writer.restore()', () => Writer.restore({ where: {}, nope: 1 } as never)],
      ['Writer.purgeDeleted()', () => Writer.purgeDeleted({ olderThan: new Date(), nope: 1 } as never)],
      ['Writer.softDelete()', () => ann.softDelete(anyOptions)],
      ['Writer.restore()', () => ann.restore(anyOptions)],
      ['Writer.getDependents()', () => ann.getDependents(anyOptions)],
    ]
    for (const [call, run] of calls) {
      await expect(run()).rejects.toThrow(`${call} has no option 'nope'`)
    }
    expect(await Writer.count({ onlyDeleted: true })).toBe(1)
    expect(await Note.count({ onlyDeleted: true })).toBe(1)
  })

  it('refuses withDeleted, onlyDeleted, cascade and withAncestors that are not booleans', async () => {
    const { ann, note } = await bootWithNotes()
    const yes = 'yes' as unknown as boolean
    await expect(Writer.find({ withDeleted: yes })).rejects.toThrow(`Writer.find(): 'withDeleted' must be true or false, not the string "yes".`)
    await expect(Writer.findOne({ onlyDeleted: yes })).rejects.toThrow(ValidationError)
    await expect(Writer.findById(ann.id, { withDeleted: yes })).rejects.toThrow(ValidationError)
    await expect(Writer.count({ withDeleted: yes })).rejects.toThrow(ValidationError)
    await expect(ann.getDependents({ withDeleted: yes })).rejects.toThrow(ValidationError)
    await expect(note.restore({ withAncestors: yes })).rejects.toThrow(`Note.restore(): 'withAncestors' must be true or false`)
    await expect(ann.restore({ cascade: yes })).rejects.toThrow(ValidationError)
    expect(ann.isDeleted).toBe(true)
    expect(await Note.count({ onlyDeleted: true })).toBe(1)
  })

  it('refuses an unknown key or a non-boolean withDeleted among the relations to load', async () => {
    await bootWithNotes()
    await expect(Writer.find({ relations: { notes: { paranoid: false } } as never })).rejects.toThrow(ValidationError)
    await expect(Writer.find({ relations: { notes: { withDeleted: 'yes' } } as never })).rejects.toThrow(/withDeleted' must be true or false/)
  })

  it('refuses options that are not an object', async () => {
    await bootWithNotes()
    await expect(Writer.find('all' as never)).rejects.toThrow(`Writer.find() takes an options object`)
  })

  it('accepts options left undefined and the documented ones', async () => {
    const { ann } = await bootWithNotes()
    expect(await Writer.find({ withDeleted: undefined, where: undefined })).toEqual([])
    expect(await Writer.find({ withDeleted: true, relations: { notes: { withDeleted: true } } })).toEqual([ann])
    expect(await ann.getDependents({ withDeleted: false })).toEqual({})
  })

  it('refuses an unknown or mistyped boot option with a BootError listing the valid ones', async () => {
    const error = await db.boot([Writer, Note], { autoflush: false } as never).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BootError)
    expect((error as Error).message).toBe(
      "ORM.boot() has no option 'autoflush'. Valid options: sqlite, postgres, pooler, idTypeDefault, skipTableCreation, autoFlush, onQuery, logSql, logger, replicas.",
    )
    await expect(db.boot([Writer, Note], { autoFlush: 'no' } as never)).rejects.toThrow(BootError)
    await expect(db.boot([Writer, Note], { skipTableCreation: 1 } as never)).rejects.toThrow(BootError)
    await expect(ORM.flush()).rejects.toThrow(/not booted|boot/)
  })
})
