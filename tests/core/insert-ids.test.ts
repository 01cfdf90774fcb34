import { expect, it } from 'vitest'
import { Column, Entity, ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

// The ids a batched insert hands back to its instances. A class of its own: the test adds a trigger to its table.
class Item extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** The same with BIGINT ids, which SQLite hands back as bigints. */
class BigItem extends Entity {
  static ormClassSettings_ = { idType: 'BIGINT' }
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** More rows than two of SQLite's multi-row insert chunks (64 rows each), and a remainder. */
const COUNT = 150

/** Each instance's id, checked against the name of the row that holds it. */
async function namesByInstanceId(items: readonly (Item | BigItem)[], table = 'item'): Promise<[string, unknown][]> {
  const rows = await rawRows(`SELECT id, name FROM ${table}`)
  const names = new Map(rows.map((row) => [String(row.id), row.name]))
  return items.map((item) => [item.name, names.get(String(item.id))])
}

describeEachDialect('generated ids of a batched insert', (db) => {
  it('gives each new instance the id of its own row', async () => {
    await db.boot([Item])
    const items = Array.from({ length: COUNT }, (_, i) => new Item(`item-${i}`))
    await ORM.flush()
    expect(await namesByInstanceId(items)).toEqual(items.map((item) => [item.name, item.name]))
    expect(new Set(items.map((item) => item.id)).size).toBe(COUNT)
  })

  it('gives each new instance with a BIGINT id the id of its own row, as a bigint', async () => {
    await db.boot([BigItem])
    const items = Array.from({ length: COUNT }, (_, i) => new BigItem(`big-${i}`))
    await ORM.flush()
    expect(await namesByInstanceId(items, 'big_item')).toEqual(items.map((item) => [item.name, item.name]))
    expect(items.every((item) => typeof item.id === 'bigint')).toBe(true)
  })

  it('gives each new instance the id of its own row when a trigger on the table inserts rows of its own', async () => {
    await db.boot([Item])
    // Every inserted item gets a copy, inserted by the trigger between the rows of the ORM's statement.
    if (db.isPostgres) {
      await ORM.query(
        "CREATE FUNCTION item_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name NOT LIKE 'copy-%' THEN " +
          "INSERT INTO item (created_at, updated_at, name) VALUES (NEW.created_at, NEW.updated_at, 'copy-' || NEW.name); END IF; RETURN NEW; END $$",
      )
      await ORM.query('CREATE TRIGGER item_copy AFTER INSERT ON item FOR EACH ROW EXECUTE FUNCTION item_copy()')
    } else {
      await ORM.query(
        "CREATE TRIGGER item_copy AFTER INSERT ON item WHEN NEW.name NOT LIKE 'copy-%' BEGIN " +
          "INSERT INTO item (created_at, updated_at, name) VALUES (NEW.created_at, NEW.updated_at, 'copy-' || NEW.name); END",
      )
    }
    const items = Array.from({ length: COUNT }, (_, i) => new Item(`item-${i}`))
    await ORM.flush()
    expect(await namesByInstanceId(items)).toEqual(items.map((item) => [item.name, item.name]))
    expect((await rawRows('SELECT id FROM item')).length).toBe(2 * COUNT)
  })
})
