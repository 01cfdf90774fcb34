import type { Connection, CursorQuery, RawRow, RowCursor, TransactionConnection, WriteOp, WriteResult } from '../dialect.js'
import { SqliteCursor, type SqliteCursorHost } from './sqlite-cursor.js'

/** @internal What the connections run on: the SQLite driver's synchronous statement runners. */
export interface SqliteRunner extends SqliteCursorHost {
  /** While a transaction holds the connection: a promise that settles when it ends. */
  readonly transactionDone: Promise<void> | undefined
  selectNow(text: string, params: readonly unknown[], safeIntegers: boolean): RawRow[]
  queryNow(text: string, params: readonly unknown[]): Record<string, unknown>[]
  executeNow(text: string, params: readonly unknown[]): number
  writeNow(ops: readonly WriteOp[]): WriteResult
  /** Closes the statements of open streams before a write (see {@link SqliteCursor}). */
  pauseCursors(): void
}

/** The connection used outside transactions: waits while a transaction holds the database. */
export class SharedSqliteConnection implements Connection {
  constructor(readonly driver: SqliteRunner) {}

  async select(text: string, params: readonly unknown[], safeIntegers: boolean): Promise<RawRow[]> {
    // The loop re-checks right before running synchronously, so no transaction can start in between.
    while (this.driver.transactionDone) await this.driver.transactionDone
    return this.driver.selectNow(text, params, safeIntegers)
  }

  async query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    while (this.driver.transactionDone) await this.driver.transactionDone
    return this.driver.queryNow(text, params)
  }

  async execute(text: string, params: readonly unknown[]): Promise<number> {
    while (this.driver.transactionDone) await this.driver.transactionDone
    return this.driver.executeNow(text, params)
  }

  async write(ops: readonly WriteOp[]): Promise<WriteResult> {
    while (this.driver.transactionDone) await this.driver.transactionDone
    return this.driver.writeNow(ops)
  }

  async openCursor(query: CursorQuery): Promise<RowCursor> {
    return new SqliteCursor(this.driver, query, true)
  }
}

/** An open transaction (depth 0) or savepoint (depth > 0) on the single connection. */
export class SqliteTransaction implements TransactionConnection {
  constructor(
    readonly driver: SqliteRunner,
    readonly depth: number,
    readonly onEnd: () => void,
  ) {}

  async select(text: string, params: readonly unknown[], safeIntegers: boolean): Promise<RawRow[]> {
    return this.driver.selectNow(text, params, safeIntegers)
  }

  async query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return this.driver.queryNow(text, params)
  }

  async execute(text: string, params: readonly unknown[]): Promise<number> {
    return this.driver.executeNow(text, params)
  }

  async write(ops: readonly WriteOp[]): Promise<WriteResult> {
    return this.driver.writeNow(ops)
  }

  async openCursor(query: CursorQuery): Promise<RowCursor> {
    return new SqliteCursor(this.driver, query, false)
  }

  async begin(): Promise<TransactionConnection> {
    const depth = this.depth + 1
    this.driver.pauseCursors()
    this.driver.database.exec(`SAVEPOINT veil_${depth}`)
    return new SqliteTransaction(this.driver, depth, () => {})
  }

  async commit(): Promise<void> {
    this.driver.pauseCursors()
    try {
      this.driver.database.exec(this.depth === 0 ? 'COMMIT' : `RELEASE veil_${this.depth}`)
    } finally {
      if (this.depth === 0 && !this.driver.database.inTransaction) this.onEnd()
    }
  }

  async rollback(): Promise<void> {
    this.driver.pauseCursors()
    try {
      if (this.depth === 0) {
        if (this.driver.database.inTransaction) this.driver.database.exec('ROLLBACK')
      } else {
        this.driver.database.exec(`ROLLBACK TO veil_${this.depth}; RELEASE veil_${this.depth}`)
      }
    } finally {
      if (this.depth === 0) this.onEnd()
    }
  }
}
