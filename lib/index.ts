import 'reflect-metadata'

export { ORM } from './orm/orm.js'
export type { BootOptions, CloseOptions, SqlLogOptions } from './orm/boot-options.js'
export type { QueryEvent } from './dialect/query-event.js'
export { DbManager } from './orm/db-manager.js'
export type { DroppedColumn } from './schema/schema-lifecycle.js'
export type { SchemaDifference, SchemaDifferenceKind } from './schema/schema-diff.js'
export { Entity } from './entity/entity.js'
export { SoftDel, SoftDelUuid } from './entity/soft-del.js'
export type { RestoreOptions, SoftDeleteOptions, SoftDeleteWhereOptions } from './entity/soft-del.js'
export type { CascadeCounts } from './operations/soft-delete-cascade.js'
export type { PurgeResult } from './operations/purger.js'
export type { DependentInstance, EntityClass, EntityId, EntityJson } from './entity/entity.js'
export type {
  CountOptions,
  DataKeys,
  DeleteOptions,
  UpdateOptions,
  UpdateValues,
  FindByIdOptions,
  FindOptions,
  StreamOptions,
  Lazy,
  ReadOptions,
  Loaded,
  VisibilityOptions,
  OrderBy,
  RelationWhere,
  RelationKeys,
  Relations,
  Where,
  WhereValue,
} from './entity/find-options.js'
export { Column, Relation, Table } from './metadata/decorators.js'
export type { Ref } from './metadata/decorators.js'
export {
  AfterDelete,
  AfterInsert,
  AfterRestore,
  AfterSoftDelete,
  AfterUpdate,
  BeforeDelete,
  BeforeInsert,
  BeforeRestore,
  BeforeSoftDelete,
  BeforeUpdate,
} from './metadata/hook-decorators.js'
export type { LifecycleEvent } from './metadata/hook-decorators.js'
export type { LifecycleEventInfo, LifecycleListener, LifecycleOperation } from './hooks/lifecycle-events.js'
export { HookError } from './errors/hook-error.js'
export type { ColumnOptions, RelationOptions, TableOptions } from './metadata/declarations.js'
export { DependentsGraph } from './graph/dependents-graph.js'
export type { DependentClasses, DependentsEdge } from './graph/dependents-graph.js'
export type { ColumnType, IdType } from './metadata/column-type.js'
export { sql, OR, AND, SqlFragment, WhereCombinator } from './query/sql.js'
export type { Logger } from './util/logger.js'
export { OrmError } from './errors/orm-error.js'
export { NotBootedError } from './errors/not-booted-error.js'
export { BootError } from './errors/boot-error.js'
export { ValidationError } from './errors/validation-error.js'
export { UniqueConstraintError } from './errors/unique-constraint-error.js'
export { ForeignKeyError } from './errors/foreign-key-error.js'
export { ConnectionError } from './errors/connection-error.js'
export { DetachedInstanceError } from './errors/detached-instance-error.js'
export { DatabaseError } from './errors/database-error.js'
export { DependentsError } from './errors/dependents-error.js'
export { RestoreError } from './errors/restore-error.js'
export { ConcurrencyError } from './errors/concurrency-error.js'
export { SchemaChangeError } from './errors/schema-change-error.js'
export { MigrationError } from './errors/migration-error.js'
export type { MigrationOptions } from './orm/migrations.js'
export type { MigrationRecord } from './schema/migration-files.js'
export type { DependentCounts, DependentsDict } from './errors/dependents-error.js'
export type { PendingInstance } from './errors/pending-instance.js'
