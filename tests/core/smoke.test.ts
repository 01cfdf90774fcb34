import { expect, it } from 'vitest'
import { Column, Entity, ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class Note extends Entity {
  @Column() text: string
  constructor(text: string) {
    super()
    this.text = text
  }
}

describeEachDialect('smoke', (db) => {
  it('inserts and finds a note', async () => {
    await db.boot([Note])
    const note = new Note('hello')
    await ORM.flush()
    expect(await Note.findById(note.id)).toBe(note)
  })

  it('starts each test from an empty database', async () => {
    await db.boot([Note])
    expect(await Note.count()).toBe(0)
  })
})
