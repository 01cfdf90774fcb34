import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { afterAll, expect, it } from 'vitest'
import { Column, Entity, ORM, Relation } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// ORM.md's Troubleshooting entry "Cannot access 'User' before initialization": two entity modules
// that import each other, compiled by tsc with decorator metadata. The library reaches them through
// globalThis, so the cycle is only between the two files. Vitest's module loader does not keep ES
// modules' temporal dead zone, so the failure itself is shown in a plain Node process.
const userSource = (storyType: string) => `
import { Story } from './story-${storyType}.mjs'
const { Entity, Column, Relation } = (globalThis as any).veilOrmForCycleTest
export class User extends Entity {
  @Column() username!: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories!: Story[]
}
`
const storySource = (createdByType: string) => `
import { User } from './user-${createdByType === 'User' ? 'plain' : 'ref'}.mjs'
const { Entity, Column, Relation } = (globalThis as any).veilOrmForCycleTest
type Ref<T> = T
export class Story extends Entity {
  @Column() title!: string
  @Relation(() => User) createdBy!: ${createdByType}
}
`

const tempDir = mkdtempSync(join(tmpdir(), 'veil-orm-cycle-'))
afterAll(() => rmSync(tempDir, { recursive: true, force: true }))
;(globalThis as Record<string, unknown>).veilOrmForCycleTest = { Entity, Column, Relation }

function emit(name: string, source: string): void {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: true, emitDecoratorMetadata: true },
  })
  writeFileSync(join(tempDir, `${name}.mjs`), outputText)
}
emit('user-plain', userSource('plain'))
emit('story-plain', storySource('User'))
emit('user-ref', userSource('ref'))
emit('story-ref', storySource('Ref<User>'))

// What Node prints for each variant; the decorators are stubs: the error comes before veil-orm runs.
function loadInNode(file: string): string {
  const script = `
    globalThis.veilOrmForCycleTest = { Entity: class {}, Column: () => () => {}, Relation: () => () => {} }
    try { await import(${JSON.stringify(pathToFileURL(join(tempDir, file)).href)}); console.log('loaded') }
    catch (error) { console.log(error.name + ': ' + error.message) }`
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()
}

it("fails in Node with Cannot access 'User' before initialization, and loads with Ref<User>", () => {
  expect(loadInNode('user-plain.mjs')).toBe("ReferenceError: Cannot access 'User' before initialization")
  expect(loadInNode('user-ref.mjs')).toBe('loaded')
})

describeEachDialect('the Ref<T> fix for entity modules that import each other', (db) => {
  it('loads, boots and relates once the to-one relation is typed Ref<User>', async () => {
    type Model = new () => Entity & Record<string, unknown>
    const { User } = (await import(pathToFileURL(join(tempDir, 'user-ref.mjs')).href)) as { User: Model }
    const { Story } = (await import(pathToFileURL(join(tempDir, 'story-ref.mjs')).href)) as { Story: Model }
    await db.boot([User, Story])
    const ann = Object.assign(new User(), { username: 'ann' })
    Object.assign(new Story(), { title: 'Hello', createdBy: ann })
    await ORM.flush()
    const stories = (await ann.stories) as { title: string }[]
    expect(stories.map((story) => story.title)).toEqual(['Hello'])
  })
})
