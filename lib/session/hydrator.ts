import type { Dialect, RawRow } from '../dialect/dialect.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { EntityState, MANAGED, STATE, type Stateful } from '../state/entity-state.js'
import type { IdentityMap } from '../state/identity-map.js'
import { Reference, referencedId } from '../state/reference.js'
import { rowOfClass } from './hierarchy-rows.js'

type Decoder = (raw: unknown) => unknown

/**
 * @internal Turns positional rows into instances without running user constructors. A row whose
 * instance is already in memory updates that instance (except columns with pending changes) and
 * returns it, so there is one instance per row.
 */
export class Hydrator {
  readonly #blankConstructors = new Map<EntityMetadata, new () => Stateful>()
  readonly #decoders = new Map<EntityMetadata, Decoder[]>()

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
    const instances = new Array<T>(rows.length)
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as RawRow
      const id = decodeId(row[0])
      const existing = this.identityMap.get(meta, id) as Stateful | undefined
      if (existing) {
        this.#refresh(existing[STATE], row, decoders)
        instances[r] = existing as T
        continue
      }
      const values = new Array<unknown>(slotCount)
      for (let c = 0; c < width; c++) values[c] = (decoders[c] as Decoder)(row[c])
      for (let c = width; c < slotCount; c++) values[c] = undefined
      const instance = new Blank()
      instance[STATE] = new EntityState(meta, this.epoch, values, MANAGED)
      this.identityMap.set(meta, id, instance)
      instances[r] = instance as T
    }
    return instances
  }

  /** Takes the database's values for every column that has no pending change in memory. */
  #refresh(state: EntityState, row: RawRow, decoders: readonly Decoder[]): void {
    const { relationAtSlot } = state.meta
    for (let c = 1; c < decoders.length; c++) {
      if (state.dirty?.has(c)) continue
      const value = (decoders[c] as Decoder)(row[c])
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
