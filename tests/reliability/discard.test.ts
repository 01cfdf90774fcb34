import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { afterAll, expect, it } from 'vitest'
import { Column, DetachedInstanceError, Entity, ORM, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class Account extends Entity {
  @Column() name: string
  @Column({ unique: true }) email: string
  @Column({ type: 'json' }) tags: string[] = []
  constructor(name: string, email: string) {
    super()
    this.name = name
    this.email = email
  }
}

// Members are compiled by the real TypeScript compiler, once per `useDefineForClassFields` value, as in
// tests/core/compiler-settings.test.ts: a constructor that throws leaves a different object behind in each.
const MEMBER_SOURCE = `
export function make(Entity: any, Column: any) {
  class Member extends Entity {
    @Column() name!: string
    @Column() rank: number = 1
    constructor(name: string) {
      super()
      if (!name) throw new Error('a Member needs a name')
      this.name = name
    }
  }
  class CheckedMember extends Entity {
    @Column() name!: string
    @Column() rank: number = 1
    constructor(name: string) {
      if (!name) throw new Error('a CheckedMember needs a name')
      super()
      this.name = name
    }
  }
  return { Member, CheckedMember }
}
`

type MemberClass = (new (name: string) => Entity & { name: string; rank: number }) & Pick<typeof Entity, 'count'>
type Make = (entity: unknown, column: unknown) => { Member: MemberClass; CheckedMember: MemberClass }

const tempDir = mkdtempSync(join(tmpdir(), 'veil-orm-discard-'))
afterAll(() => rmSync(tempDir, { recursive: true, force: true }))

const FLAGS = [true, false] as const
const makers = new Map<boolean, Make>()
for (const flag of FLAGS) {
  const output = ts.transpileModule(MEMBER_SOURCE, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: flag,
    },
  }).outputText
  const file = join(tempDir, `member-define-${flag}.mjs`)
  writeFileSync(file, output)
  makers.set(flag, ((await import(pathToFileURL(file).href)) as { make: Make }).make)
}

function makeMembers(flag: boolean): ReturnType<Make> {
  return (makers.get(flag) as Make)(Entity, Column)
}

describeEachDialect('discarding pending work', (db) => {
  it('never inserts a new instance after discard(), and detaches it', async () => {
    await db.boot([Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    new Account('Bob', 'bob@example.com')
    expect(await ann.discard()).toBe(true)
    await ORM.flush()
    expect(await ORM.discardPending()).toBe(0)
    expect((await Account.find()).map((account) => account.name)).toEqual(['Bob'])
    expect(() => {
      ann.name = 'Annie'
    }).toThrow(DetachedInstanceError)
    expect(() => {
      ann.name = 'Annie'
    }).toThrow('its pending insert was discarded')
  })

  it('drops the unflushed changes of a persisted instance with discard(); findById() loads the row again', async () => {
    await db.boot([Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.name = 'Annie'
    ann.tags.push('edited in place')
    expect(await ann.discard()).toBe(true)
    await ORM.flush()
    const loaded = await Account.findById(ann.id)
    expect(loaded).not.toBe(ann)
    expect(loaded?.name).toBe('Ann')
    expect(loaded?.tags).toEqual([])
  })

  it('resolves discard() with false and keeps the instance when nothing is pending', async () => {
    await db.boot([Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    expect(await ann.discard()).toBe(false)
    ann.name = 'Annie'
    await ORM.flush()
    expect((await Account.findById(ann.id))?.name).toBe('Annie')
  })

  it('lets a flush that took the instance finish before discard() decides', async () => {
    await db.boot([Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    const flushed = ORM.flush()
    expect(await ann.discard()).toBe(false)
    await flushed
    expect(await Account.count()).toBe(1)
  })

  it('drops every pending insert and change with ORM.discardPending() and resolves with their number', async () => {
    await db.boot([Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.name = 'Annie'
    new Account('Bob', 'bob@example.com')
    new Account('Dup', 'bob@example.com')
    expect(await ORM.discardPending()).toBe(3)
    await ORM.flush()
    expect((await Account.find()).map((account) => account.name)).toEqual(['Ann'])
    new Account('Cid', 'cid@example.com')
    await ORM.flush()
    expect(await Account.count()).toBe(2)
  })

  it('brings back an instance discarded inside a transaction that rolls back', async () => {
    await db.boot([Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    await expect(
      ORM.transaction(async () => {
        ann.name = 'Annie'
        await ann.discard()
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    ann.name = 'Anna'
    await ORM.flush()
    expect((await Account.findById(ann.id))?.name).toBe('Anna')
  })

  it('names a new instance by its values in a flush error', async () => {
    await db.boot([Account], { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    new Account(undefined as unknown as string, 'nameless@example.com')
    const error = await ORM.flush().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toContain('Account.name is required but is undefined on a new Account (email: "nameless@example.com", tags: …)')
  })
})

describeEachDialect('constructors that throw', (db) => {
  for (const flag of FLAGS) {
    const setting = `useDefineForClassFields ${flag ? 'on' : 'off'}`

    it(`registers nothing when the constructor throws before super() with ${setting}`, async () => {
      const { CheckedMember } = makeMembers(flag)
      await db.boot([CheckedMember])
      expect(() => new CheckedMember('')).toThrow('a CheckedMember needs a name')
      new CheckedMember('Ann')
      await ORM.flush()
      expect(await CheckedMember.count()).toBe(1)
    })

    it(`names the half-built instance of a constructor that threw after super() and drops it with ORM.discardPending() with ${setting}`, async () => {
      const { Member } = makeMembers(flag)
      await db.boot([Member], { autoFlush: false })
      expect(() => new Member('')).toThrow('a Member needs a name')
      const error = await ORM.flush().then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as Error).message).toContain('Member.name is required but is undefined on a new Member (rank: 1)')
      expect(await ORM.discardPending()).toBe(1)
      new Member('Ann')
      await ORM.flush()
      expect(await Member.count()).toBe(1)
    })

    it(`inserts nothing of a constructor that threw inside ORM.transaction() with ${setting}`, async () => {
      const { Member } = makeMembers(flag)
      await db.boot([Member])
      await expect(
        ORM.transaction(() => {
          new Member('')
        }),
      ).rejects.toThrow('a Member needs a name')
      new Member('Ann')
      await ORM.flush()
      expect(await Member.count()).toBe(1)
    })
  }
})
