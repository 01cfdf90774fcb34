import { describe, expect, it } from 'vitest'
import {
  checksumOf,
  choosePending,
  isMigrationOf,
  liftTransactionControl,
  migrationFileName,
  parseMigration,
  renderMigration,
} from '../../lib/schema/migration-files.js'

describe('migration files', () => {
  it('names a file by UTC timestamp, name and dialect, so that name order is generation order', () => {
    const name = migrationFileName(new Date('2026-11-30T11:45:07.123Z'), ' add priority! ', 'postgres')
    expect(name).toBe('20261130T114507Z_add-priority.postgres.sql')
    expect(isMigrationOf(name, 'postgres')).toBe(true)
    expect(isMigrationOf(name, 'sqlite')).toBe(false)
  })

  it('renders up in order and down in reverse, marking destructive and irreversible parts; parsing gives the statements back', () => {
    const text = renderMigration('x', 'sqlite', [
      { title: 'createTable a', destructive: false, up: ['CREATE TABLE a (n INTEGER)'], down: ['DROP TABLE a'] },
      { title: 'createIndex a.n', destructive: false, up: ['CREATE INDEX a_n ON a (n)'], down: ['DROP INDEX a_n'] },
      { title: 'dropTable old', destructive: true, up: ['DROP TABLE old'], down: 'destructive' },
    ])
    expect(text).toContain('-- dropTable old -- DESTRUCTIVE: drops data\nDROP TABLE old;')
    expect(text).toContain('-- dropTable old: no down (destructive)')
    expect(parseMigration(text)).toEqual({
      up: ['CREATE TABLE a (n INTEGER)', 'CREATE INDEX a_n ON a (n)', 'DROP TABLE old'],
      down: ['DROP INDEX a_n', 'DROP TABLE a'],
    })
  })

  it('reads statements over several lines, ending at a semicolon at the end of a line, and refuses a file without -- up', () => {
    expect(parseMigration('-- up\nCREATE TABLE t (\n  a TEXT -- note; here\n);\n-- a comment\nSELECT 1;')?.up).toEqual([
      'CREATE TABLE t (\n  a TEXT -- note; here\n)',
      'SELECT 1',
    ])
    expect(parseMigration('CREATE TABLE t (a TEXT);')).toBeUndefined()
  })

  it('lifts the transaction control of a SQLite rebuild, and says foreign keys must be off', () => {
    expect(liftTransactionControl(['PRAGMA foreign_keys = OFF', 'BEGIN IMMEDIATE', 'CREATE TABLE x (a)', 'COMMIT', 'PRAGMA foreign_keys = ON'])).toEqual({
      statements: ['CREATE TABLE x (a)'],
      foreignKeysOff: true,
    })
    expect(liftTransactionControl(['CREATE TABLE x (a)'])).toEqual({ statements: ['CREATE TABLE x (a)'], foreignKeysOff: false })
  })

  it('chooses the files not applied, in name order, and reports an applied file whose checksum changed', () => {
    const files = [
      { name: '2_b.sqlite.sql', checksum: checksumOf('b') },
      { name: '1_a.sqlite.sql', checksum: checksumOf('a2') },
      { name: '3_c.sqlite.sql', checksum: checksumOf('c') },
    ]
    const { pending, changed } = choosePending(files, [{ name: '1_a.sqlite.sql', checksum: checksumOf('a') }])
    expect(pending.map((file) => file.name)).toEqual(['2_b.sqlite.sql', '3_c.sqlite.sql'])
    expect(changed.map((file) => file.name)).toEqual(['1_a.sqlite.sql'])
    expect(checksumOf('a')).toMatch(/^[0-9a-f]{64}$/)
  })
})
