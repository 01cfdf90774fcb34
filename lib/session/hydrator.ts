import type { Dialect, RawRow } from '../dialect/dialect.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { EntityState, MANAGED, STATE, type Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import { Reference, referencedId } from '../state/reference.js'
import { rowOfClass } from './hierarchy-rows.js'

type Decoder = (raw: unknown) => unknown

/** Decodes column `c` of a row. */
type ColumnDecoder = (c: number, raw: unknown) => unknown

/**
 * @internal Turns positional rows into instances without running user constructors. A row whose
 * instance is already in memory updates that instance (except columns with pending changes) and
 * returns it, so there is one instance per row.
 */
export class Hydrator {
  readonly #blankConstructors = new Map<EntityMetadata, new () => Stateful>()
  readonly #decoders = new Map<EntityMetadata, Decoder[]>()
  readonly #plainDecoders = new Map<EntityMetadata, ColumnDecoder>()

  constructor(
    readonly dialect: Dialect,
    readonly identityMap: IdentityMap,
    readonly epoch: number,
  ) {}

  hydrate<T>(meta: EntityMetadata, rows: readonly RawRow[]): T[] {
    // A class with booted descendants reads their rows too: each becomes an instance of its own class.
    if (meta.hierarchy.readColumns.length > 0) {
      return rows.map((row) => {
        const [actual, projected] = rowOfClass(meta, row)
        return this.#hydrateRows<T>(actual, [projected])[0] as T
      })
    }
    return this.#hydrateRows(meta, rows)
  }

  #hydrateRows<T>(meta: EntityMetadata, rows: readonly RawRow[]): T[] {
    const decoders = this.#decodersFor(meta)
    const Blank = this.#blankFor(meta)
    const width = decoders.length
    const slotCount = meta.slotCount
    const decodeId = decoders[0] as Decoder
    // One row, or no foreign key: nothing to remember between rows.
    const decode = rows.length > 1 && meta.relations.some((relation) => relation.kind === 'toOne') ? this.#memoizing(meta, decoders) : this.#plainFor(meta, decoders)
    const instances = new Array<T>(rows.length)
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as RawRow
      const id = decodeId(row[0])
      const existing = this.identityMap.get(meta, id) as Stateful | undefined
      if (existing) {
        this.#refresh(existing[STATE], row, decode)
        instances[r] = existing as T
        continue
      }
      const values = new Array<unknown>(slotCount)
      values[0] = id
      for (let c = 1; c < width; c++) values[c] = decode(c, row[c])
      for (let c = width; c < slotCount; c++) values[c] = undefined
      const instance = new Blank()
      instance[STATE] = new EntityState(meta, this.epoch, values, MANAGED)
      this.identityMap.set(meta, id, instance)
      instances[r] = instance as T
    }
    return instances
  }

  /**
   * Column `c`'s decoder, remembering for the length of one hydrate call the instance each foreign key
   * column resolved to last: rows that point at the same target (a user's stories all point at the
   * user) then skip the identity-map lookup. Only instances are remembered; an id not in memory is
   * looked up again, since an earlier row of the same call may have put it there (a self-reference).
   */
  #memoizing(meta: EntityMetadata, decoders: readonly Decoder[]): ColumnDecoder {
    const { relationAtSlot } = meta
    const lastRaw = new Array<unknown>(decoders.length)
    const lastInstance = new Array<unknown>(decoders.length)
    return (c, raw) => {
      if (relationAtSlot[c] === undefined) return (decoders[c] as Decoder)(raw)
      if (raw === lastRaw[c] && raw !== undefined) return lastInstance[c]
      const value = (decoders[c] as Decoder)(raw)
      if (value !== undefined && !(value instanceof Reference)) {
        lastRaw[c] = raw
        lastInstance[c] = value
      }
      return value
    }
  }

  /** Column `c`'s decoder, without memory (one per class). */
  #plainFor(meta: EntityMetadata, decoders: readonly Decoder[]): ColumnDecoder {
    let plain = this.#plainDecoders.get(meta)
    if (!plain) {
      plain = (c, raw) => (decoders[c] as Decoder)(raw)
      this.#plainDecoders.set(meta, plain)
    }
    return plain
  }

  /** Takes the database's values for every column that has no pending change in memory. */
  #refresh(state: EntityState, row: RawRow, decode: ColumnDecoder): void {
    const { relationAtSlot, columns } = state.meta
    for (let c = 1; c < columns.length; c++) {
      if (state.dirty?.has(c)) continue
      const value = decode(c, row[c])
      // A loaded to-one target stays loaded while the row still points at it.
      if (relationAtSlot[c] && referencedId(value) === referencedId(state.values[c])) continue
      state.values[c] = value
    }
    if (!state.dirty) state.snapshots = undefined
    else if (state.snapshots) for (let c = 0; c < state.snapshots.length; c++) if (!state.dirty.has(c)) state.snapshots[c] = undefined
  }

  #decodersFor(meta: EntityMetadata): Decoder[] {
    let decoders = this.#decoders.get(meta)
    if (!decoders) {
      decoders = meta.columns.map((column) => {
        const relation = meta.relationAtSlot[column.index]
        if (!relation) return (raw: unknown) => this.dialect.decode(column.type, raw)
        // A foreign key becomes the target instance when it is in memory, a Reference otherwise.
        return (raw: unknown) => {
          const id = this.dialect.decode(column.type, raw)
          if (id === undefined) return undefined
          return this.identityMap.get(relation.target, id) ?? new Reference(id)
        }
      })
      this.#decoders.set(meta, decoders)
    }
    return decoders
  }

  /** A constructor that shares the class's prototype but runs none of its code. */
  #blankFor(meta: EntityMetadata): new () => Stateful {
    let Blank = this.#blankConstructors.get(meta)
    if (!Blank) {
      const blank = function (this: object) {} as unknown as new () => Stateful
      ;(blank as unknown as { prototype: object }).prototype = meta.ctor.prototype
      Blank = blank
      this.#blankConstructors.set(meta, Blank)
    }
    return Blank
  }
}
