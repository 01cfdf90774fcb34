import { Column, Entity, Relation, SoftDel } from '../../../lib/index.js'

/** A soft-deletable user: the parent whose stories the concurrency and connection tests write. */
export class User extends SoftDel {
  @Column({ unique: true }) username: string
  constructor(username: string) {
    super()
    this.username = username
  }
}

/** A soft-deletable story with a required author: a dependent of User. */
export class Story extends SoftDel {
  @Column() title: string
  @Relation(() => User) createdBy: User
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

/** The classes of the user/story model, in boot order. */
export const USER_STORY_MODEL = [User, Story] as const

/** One flush of the crash test: a header that knows how many rows the flush wrote with it. */
export class Batch extends Entity {
  @Column({ type: 'integer' }) number: number
  @Column({ type: 'integer' }) size: number
  /** Set to true by the flush that writes the next batch: an update in the same transaction as inserts. */
  @Column() sealed: boolean = false
  constructor(number: number, size: number) {
    super()
    this.number = number
    this.size = size
  }
}

/** A row of a batch. */
export class BatchRow extends Entity {
  @Relation(() => Batch) batch: Batch
  @Column({ type: 'integer' }) position: number
  @Column() payload: string
  constructor(batch: Batch, position: number, payload: string) {
    super()
    this.batch = batch
    this.position = position
    this.payload = payload
  }
}
