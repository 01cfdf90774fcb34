// Side-by-side timings of veil-orm and raw better-sqlite3 / pg on relations: inserting rows that
// reference others, eager loading, and the guarded delete (count the dependents, then delete).
// Run with `npm run bench:relations` (PostgreSQL from DATABASE_URL, skipped if unreachable).
import 'reflect-metadata'
import Database from 'better-sqlite3'
import pg from 'pg'
import { time, withPostgres } from './bench-support.js'
import { Column, Entity, ORM, Relation } from '../lib/index.js'

class Author extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Post extends Entity {
  @Column() title: string
  @Relation(() => Author) author: Author
  constructor(title: string, author: Author) {
    super()
    this.title = title
    this.author = author
  }
}

const AUTHORS = 1_000
const POSTS_PER_AUTHOR = 10
const DELETES = 500


async function benchOrm(label: string, options: Parameters<typeof ORM.boot>[1]): Promise<void> {
  console.log(label)
  await ORM.boot([Author, Post], { ...options, autoFlush: false })
  const authors: Author[] = []
  await time(`insert ${AUTHORS} authors + ${AUTHORS * POSTS_PER_AUTHOR} posts (one flush)`, async () => {
    for (let a = 0; a < AUTHORS; a++) {
      const author = new Author(`author ${a}`)
      authors.push(author)
      for (let p = 0; p < POSTS_PER_AUTHOR; p++) new Post(`post ${a}.${p}`, author)
    }
    await ORM.flush()
  })
  await time(`find ${AUTHORS * POSTS_PER_AUTHOR} posts with their author`, () => Post.find({ relations: { author: true } }))
  await time(`getDependents x${DELETES}`, async () => {
    for (let a = 0; a < DELETES; a++) await (authors[a] as Author).getDependents()
  })
  // Free the first authors by deleting their posts in bulk, then delete each author (guarded).
  await Post.delete({ where: { author: authors.slice(0, DELETES) } })
  await time(`delete x${DELETES} (dependents check + delete)`, async () => {
    for (let a = 0; a < DELETES; a++) await (authors[a] as Author).delete()
  })
  await ORM.close()
}

async function benchRawSqlite(): Promise<void> {
  console.log('raw better-sqlite3 (memory)')
  const db = new Database(':memory:')
  db.pragma('foreign_keys = ON')
  db.exec(`CREATE TABLE author (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, name TEXT NOT NULL) STRICT;
    CREATE TABLE post (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, title TEXT NOT NULL,
      author_id INTEGER NOT NULL REFERENCES author (id) ON DELETE RESTRICT) STRICT;
    CREATE INDEX post_author_id_idx ON post (author_id)`)
  const insertAuthor = db.prepare('INSERT INTO author (created_at, updated_at, name) VALUES (?, ?, ?)')
  const insertPost = db.prepare('INSERT INTO post (created_at, updated_at, title, author_id) VALUES (?, ?, ?, ?)')
  await time(`insert ${AUTHORS} authors + ${AUTHORS * POSTS_PER_AUTHOR} posts (one transaction)`, () => {
    const now = Date.now()
    db.transaction(() => {
      for (let a = 0; a < AUTHORS; a++) {
        const id = insertAuthor.run(now, now, `author ${a}`).lastInsertRowid
        for (let p = 0; p < POSTS_PER_AUTHOR; p++) insertPost.run(now, now, `post ${a}.${p}`, id)
      }
    })()
  })
  await time(`find ${AUTHORS * POSTS_PER_AUTHOR} posts with their author`, () => {
    const posts = db.prepare('SELECT * FROM post ORDER BY id').all() as { author_id: number }[]
    const ids = [...new Set(posts.map((post) => post.author_id))]
    return db.prepare('SELECT * FROM author WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids))
  })
  const dependents = db.prepare('SELECT * FROM post WHERE author_id = ? ORDER BY id')
  await time(`getDependents x${DELETES}`, () => {
    for (let a = 1; a <= DELETES; a++) dependents.all(a)
  })
  db.prepare('DELETE FROM post WHERE author_id <= ?').run(DELETES)
  const count = db.prepare('SELECT COUNT(*) FROM post WHERE author_id = ?').pluck()
  const remove = db.prepare('DELETE FROM author WHERE id = ?')
  await time(`delete x${DELETES} (dependents check + delete)`, () => {
    for (let a = 1; a <= DELETES; a++) {
      db.transaction(() => {
        if ((count.get(a) as number) > 0) throw new Error('has dependents')
        remove.run(a)
      }).immediate()
    }
  })
  db.close()
}

async function benchRawPostgres(pool: pg.Pool): Promise<void> {
  console.log('raw pg')
  await pool.query(`CREATE TABLE author (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, name text NOT NULL);
    CREATE TABLE post (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, title text NOT NULL,
      author_id integer NOT NULL REFERENCES author (id) ON DELETE RESTRICT);
    CREATE INDEX post_author_id_idx ON post (author_id)`)
  await time(`insert ${AUTHORS} authors + ${AUTHORS * POSTS_PER_AUTHOR} posts (unnest, 2 statements)`, async () => {
    const now = new Date().toISOString()
    const names = Array.from({ length: AUTHORS }, (_, a) => `author ${a}`)
    const { rows } = await pool.query<{ id: number }>('INSERT INTO author (created_at, updated_at, name) SELECT $1, $1, * FROM unnest($2::text[]) RETURNING id', [now, names])
    const titles: string[] = []
    const authorIds: number[] = []
    rows.forEach((row, a) => {
      for (let p = 0; p < POSTS_PER_AUTHOR; p++) {
        titles.push(`post ${a}.${p}`)
        authorIds.push(row.id)
      }
    })
    await pool.query('INSERT INTO post (created_at, updated_at, title, author_id) SELECT $1, $1, * FROM unnest($2::text[], $3::int4[])', [now, titles, authorIds])
  })
  await time(`find ${AUTHORS * POSTS_PER_AUTHOR} posts with their author`, async () => {
    const posts = await pool.query<{ author_id: number }>('SELECT * FROM post ORDER BY id')
    const ids = [...new Set(posts.rows.map((post) => post.author_id))]
    return pool.query('SELECT * FROM author WHERE id = ANY($1::int4[])', [ids])
  })
  await time(`getDependents x${DELETES}`, async () => {
    for (let a = 1; a <= DELETES; a++) await pool.query({ name: 'deps', text: 'SELECT * FROM post WHERE author_id = $1 ORDER BY id', values: [a] })
  })
  await pool.query('DELETE FROM post WHERE author_id <= $1', [DELETES])
  await time(`delete x${DELETES} (dependents check + delete)`, async () => {
    const client = await pool.connect()
    for (let a = 1; a <= DELETES; a++) {
      await client.query('BEGIN')
      await client.query({ name: 'lock', text: 'SELECT id FROM author WHERE id = $1 FOR UPDATE', values: [a] })
      const { rows } = await client.query({ name: 'count', text: 'SELECT COUNT(*) AS n FROM post WHERE author_id = $1', values: [a] })
      if (Number(rows[0].n) > 0) throw new Error('has dependents')
      await client.query({ name: 'remove', text: 'DELETE FROM author WHERE id = $1', values: [a] })
      await client.query('COMMIT')
    }
    client.release()
  })
}

async function main(): Promise<void> {
  await benchRawSqlite()
  await benchOrm('veil-orm on SQLite (memory)', {})
  await withPostgres({ raw: 'bench_rel_raw', orm: 'bench_rel_orm' }, benchRawPostgres, (options) => benchOrm('veil-orm on PostgreSQL', options))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
