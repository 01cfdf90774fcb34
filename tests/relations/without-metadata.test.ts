import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { transformSync as swcTransform } from '@swc/core'
import Database from 'better-sqlite3'
import { transform as esbuildTransform } from 'esbuild'
import { afterAll, expect, it } from 'vitest'
import { BootError, Column, DependentsError, Entity, ORM, Relation, SoftDel } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// esbuild (and tsx, Vite, vitest's default transform, Bun) emits no 'design:type' metadata. A model
// that states its column types and relation kinds must boot and behave exactly as under SWC, which
// emits the metadata. The model is the same source text, compiled both ways.
const EXPLICIT_MODEL = `
export function make(Entity: any, SoftDel: any, Column: any, Relation: any) {
  class Author extends SoftDel {
    @Column({ type: 'text', unique: true }) name!: string
    @Relation(() => Post, { inverse: 'author' }) posts!: Post[]
  }
  class Label extends Entity {
    @Column({ type: 'text' }) text!: string
  }
  class Post extends SoftDel {
    @Column({ type: 'text' }) title!: string
    @Column({ type: 'integer' }) views = 0
    @Column({ type: 'boolean' }) published = false
    @Column({ type: 'date', nullable: true }) publishedAt?: Date
    @Column({ type: 'json' }) meta: { words: number } = { words: 0 }
    @Relation(() => Author, { many: false }) author!: Author
    @Relation(() => Author, { many: false, nullable: true }) editor?: Author
    @Relation(() => Label, { many: true }) labels: Label[] = []
  }
  return { Author, Label, Post }
}
`

// The same relation without its kind: nothing tells a to-one from a to-many without metadata.
const IMPLICIT_RELATION = `
export function make(Entity: any, Column: any, Relation: any) {
  class Label extends Entity {
    @Column({ type: 'text' }) text!: string
  }
  class Post extends Entity {
    @Column({ type: 'text' }) title!: string
    @Relation(() => Label) labels: Label[] = []
  }
  return { Label, Post }
}
`

const IMPLICIT_COLUMN = `
export function make(Entity: any, Column: any) {
  class Note extends Entity {
    @Column() body!: string
  }
  return { Note }
}
`

const KIND_MISMATCH = `
export function make(Entity: any, Column: any, Relation: any) {
  class Label extends Entity {
    @Column() text!: string
  }
  class Post extends Entity {
    @Relation(() => Label, { many: false }) labels: Label[] = []
  }
  return { Label, Post }
}
`

type Compiler = 'esbuild' | 'swc'
type AnyClass = new () => Entity & Record<string, any>
type StaticFind = { find(options?: object): Promise<(Entity & Record<string, any>)[]> }
type Model = Record<string, AnyClass & StaticFind & Record<string, any>>

const tempDir = mkdtempSync(join(tmpdir(), 'veil-orm-no-metadata-'))
afterAll(() => rmSync(tempDir, { recursive: true, force: true }))
let fileCounter = 0

async function compile(source: string, compiler: Compiler): Promise<string> {
  if (compiler === 'esbuild') {
    const result = await esbuildTransform(source, {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: true } },
    })
    return result.code
  }
  return swcTransform(source, {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
  }).code
}

async function load(source: string, compiler: Compiler, ...args: unknown[]): Promise<Model> {
  const code = await compile(source, compiler)
  const file = join(tempDir, `model-${compiler}-${fileCounter++}.mjs`)
  writeFileSync(file, code)
  const module = (await import(pathToFileURL(file).href)) as { make: (...args: unknown[]) => Model }
  return module.make(...args)
}

it('compiles the model without any decorator metadata under esbuild, and with it under SWC', async () => {
  expect(await compile(EXPLICIT_MODEL, 'esbuild')).not.toContain('design:type')
  expect(await compile(EXPLICIT_MODEL, 'swc')).toContain('design:type')
})

describeEachDialect('a model with explicit types and relation kinds', (db) => {
  /** Boots the model, runs the behaviours, and returns what they observed, for comparison. */
  async function runBehaviours(compiler: Compiler): Promise<unknown[]> {
    const { Author, Label, Post } = (await load(EXPLICIT_MODEL, compiler, Entity, SoftDel, Column, Relation)) as Model & {
      Author: AnyClass & StaticFind
      Label: AnyClass & StaticFind
      Post: AnyClass & StaticFind
    }
    // An in-memory database lives as long as its handle: keep one open across the re-boot.
    const handle = db.name === 'sqlite-memory' ? new Database(':memory:') : undefined
    await db.boot([Author, Label, Post], handle ? { sqlite: handle } : {})
    const reach = handle ? { sqlite: handle } : db.connectionOptions()
    const seen: unknown[] = []
    const ann = Object.assign(new Author(), { name: 'ann' })
    const bob = Object.assign(new Author(), { name: 'bob' })
    const intro = Object.assign(new Label(), { text: 'intro' })
    const post = Object.assign(new Post(), { title: 'Hello', author: ann, editor: bob, publishedAt: new Date(5) })
    post.labels.push(intro)
    await ORM.flush()

    await ORM.close()
    await ORM.boot([Author, Label, Post], reach)
    const [found] = await Post.find({ relations: { author: { posts: true }, editor: true, labels: true } })
    const { createdAt, updatedAt, ...json } = found?.toJSON() ?? {}
    seen.push(json, createdAt instanceof Date && updatedAt instanceof Date)
    seen.push(found?.author.name, found?.editor.name, found?.labels.map((label: { text: string }) => label.text))
    seen.push(found?.author.posts.map((p: { title: string }) => p.title))
    const author = found?.author
    seen.push(await author.delete().catch((error: unknown) => error instanceof DependentsError && error.counts))
    await found?.softDelete()
    seen.push((await Post.find()).length, (await Post.find({ withDeleted: true })).length)
    await found?.restore()
    seen.push((await Post.find()).map((p) => p.title))
    found!.labels = []
    found!.editor = undefined
    await ORM.flush()
    const [again] = await Post.find({ relations: { labels: true, editor: true } })
    seen.push(again?.labels.length, again?.editor)
    await ORM.close()
    handle?.close()
    return seen
  }

  it('boots and behaves identically under esbuild (no metadata) and SWC (metadata)', async () => {
    const underEsbuild = await runBehaviours('esbuild')
    await ORM.close()
    const underSwc = await runBehaviours('swc')
    expect(underEsbuild).toEqual(underSwc)
    expect(underEsbuild.slice(1)).toEqual([
      true,
      'ann',
      'bob',
      ['intro'],
      ['Hello'],
      { Post: { author: 1 } },
      0,
      1,
      ['Hello'],
      0,
      undefined,
    ])
  })

  it('refuses a relation without metadata or { many }, naming esbuild and the explicit form', async () => {
    const { Label, Post } = await load(IMPLICIT_RELATION, 'esbuild', Entity, Column, Relation)
    const error = await db.boot([Label!, Post!]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('Post.labels has no')
    expect((error as BootError).message).toContain('esbuild, tsx, Vite')
    expect((error as BootError).message).toContain('@Relation(() => Target, { many: true })')
    expect((error as BootError).message).toContain('{ many: false }')
  })

  it('refuses a column without metadata or a type, naming esbuild and the explicit form', async () => {
    const { Note } = await load(IMPLICIT_COLUMN, 'esbuild', Entity, Column)
    const error = await db.boot([Note!]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('Note.body has no type')
    expect((error as BootError).message).toContain('esbuild, tsx, Vite')
    expect((error as BootError).message).toContain("@Column({ type: 'text' })")
  })

  it('refuses { many } that contradicts the metadata', async () => {
    const { Label, Post } = await load(KIND_MISMATCH, 'swc', Entity, Column, Relation)
    const error = await db.boot([Label!, Post!]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('Post.labels says { many: false } but is typed as an array')
  })
})
