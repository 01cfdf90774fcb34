import {
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
  Column,
  Entity,
  ORM,
  Relation,
  SoftDel,
} from '../../lib/index.js'

// The hooks tests' own model: every class records each of its hooks, inherited from one abstract base,
// so that a test can assert exactly which hooks ran, on what, and how often. Evaluated once per file.

/** Every hook that ran, as `Class.hook label`, in order. */
export const log: string[] = []

/** What the next hook calls do besides recording: throw in one hook, or edit the instance. */
export const behaviour: { throwIn?: string; edit?: (entity: Recorded, hook: string) => void } = {}

/** Returns the log so far and clears it. */
export function takeLog(): string[] {
  return log.splice(0)
}

// A plain function, not a #private method: loaded instances are built without their constructor.
function record(entity: Recorded, hook: string): void {
  log.push(`${entity.constructor.name}.${hook} ${entity.label}`)
  behaviour.edit?.(entity, hook)
  if (behaviour.throwIn === hook) throw new Error(`${hook} refused ${entity.label}`)
}

/** Records each of the ten hooks; subclasses inherit them all. */
export abstract class Recorded extends SoftDel {
  abstract get label(): string
  @BeforeInsert() beforeInsert() { record(this, 'beforeInsert') }
  @AfterInsert() afterInsert() { record(this, 'afterInsert') }
  @BeforeUpdate() beforeUpdate() { record(this, 'beforeUpdate') }
  @AfterUpdate() afterUpdate() { record(this, 'afterUpdate') }
  @BeforeSoftDelete() beforeSoftDelete() { record(this, 'beforeSoftDelete') }
  @AfterSoftDelete() afterSoftDelete() { record(this, 'afterSoftDelete') }
  @BeforeRestore() beforeRestore() { record(this, 'beforeRestore') }
  @AfterRestore() afterRestore() { record(this, 'afterRestore') }
  @BeforeDelete() beforeDelete() { record(this, 'beforeDelete') }
  @AfterDelete() afterDelete() { record(this, 'afterDelete') }
}

/** An author: stories depend on it, so soft-delete cascades reach them. */
export class Author extends Recorded {
  @Column() name: string
  @Column({ nullable: true }) slug?: string
  constructor(name: string) {
    super()
    this.name = name
  }
  get label(): string {
    return this.name
  }
}

/** A story with a required author, and a second insert hook of its own (it runs after the inherited one). */
export class Post extends Recorded {
  @Column() title: string
  @Relation(() => Author) author: Author
  constructor(title: string, author: Author) {
    super()
    this.title = title
    this.author = author
  }
  get label(): string {
    return this.title
  }
  @BeforeInsert() stampTitle() {
    log.push(`Post.stampTitle ${this.title}`)
  }
}

/** A class without hooks: listeners alone must not make its bulk forms load rows. */
export class Plain extends SoftDel {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** A plain (not soft-deletable) class with hooks: hard deletes only. */
export class Memo extends Entity {
  @Column() body: string
  constructor(body: string) {
    super()
    this.body = body
  }
  @BeforeDelete() @AfterDelete() noteDelete() {
    log.push(`Memo.delete ${this.body}`)
  }
}

export const HOOK_MODEL = [SoftDel, Author, Post, Plain, Memo]

/** Saves ann with her posts 'one' and 'two', then clears the log: the usual start of a hooks test. */
export async function authorWithPosts(): Promise<Author> {
  const ann = new Author('ann')
  new Post('one', ann)
  new Post('two', ann)
  await ORM.flush()
  takeLog()
  return ann
}
