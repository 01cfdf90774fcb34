import type { ColumnMetadata, EntityMetadata, JunctionMetadata } from './entity-metadata.js'

/** @internal The booted classes, looked up by constructor, table or index name. */
export class MetadataRegistry {
  readonly #byCtor = new Map<object, EntityMetadata>()
  readonly #byTable = new Map<string, EntityMetadata>()
  readonly #byIndexName = new Map<string, [EntityMetadata, ColumnMetadata]>()
  /** The junction tables of every to-many relation. */
  readonly junctions: readonly JunctionMetadata[]

  constructor(
    readonly entities: readonly EntityMetadata[],
    /**
     * The metadata of each entity table, for the schema lifecycle: a class's own, or for a booted hierarchy
     * (concrete inheritance) one that maps every column of its classes.
     */
    readonly tables: readonly EntityMetadata[] = entities,
  ) {
    // A to-many relation inherited within a hierarchy shares its ancestor's junction: listed once.
    this.junctions = [...new Set(entities.flatMap((meta) => meta.relations.flatMap((relation) => (relation.junction ? [relation.junction] : []))))]
    for (const meta of entities) this.#byCtor.set(meta.ctor, meta)
    for (const meta of tables) {
      this.#byTable.set(meta.tableName, meta)
      for (const column of meta.columns) {
        if (column.uniqueIndexName) this.#byIndexName.set(column.uniqueIndexName, [meta, column])
      }
    }
  }

  forClass(ctor: object): EntityMetadata | undefined {
    return this.#byCtor.get(ctor)
  }

  /** Whether a table belongs to a booted class or to one of their junction tables. */
  isMappedTable(table: string): boolean {
    return this.#byTable.has(table) || this.junctions.some((junction) => junction.tableName === table)
  }

  /** Resolves a unique index name (as PostgreSQL reports it) to the class and property it guards. */
  forIndexName(indexName: string): [EntityMetadata, ColumnMetadata] | undefined {
    return this.#byIndexName.get(indexName)
  }

  /** Resolves a table and column name (as SQLite reports them) to the class and property. */
  forTableColumn(table: string, column: string): [EntityMetadata, ColumnMetadata] | undefined {
    const meta = this.#byTable.get(table)
    const found = meta?.columns.find((candidate) => candidate.name === column)
    return meta && found ? [meta, found] : undefined
  }
}
