import { Column, Entity, Relation, SoftDel } from '../../lib/index.js'

// The model the lifecycle property and its regressions run on: users write stories, stories get
// reviews (written by users), users keep plain notes. Every class has a `title` to change.

/** A soft-deletable root; its title is unique among live users (a partial unique index). */
export class User extends SoftDel {
  @Column({ unique: true }) title: string
  constructor(title: string) {
    super()
    this.title = title
  }
}

/** Soft-deletable, depends on its user. */
export class Story extends SoftDel {
  @Column() title: string
  @Relation(() => User) createdBy: User
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

/** Soft-deletable, depends on a story and on a user: a cascade reaches it by two paths. */
export class Review extends SoftDel {
  @Column() title: string
  @Relation(() => Story) story: Story
  @Relation(() => User) createdBy: User
  constructor(title: string, story: Story, createdBy: User) {
    super()
    this.title = title
    this.story = story
    this.createdBy = createdBy
  }
}

/** A plain dependent: it blocks a hard delete of its user and is left alone by cascades. */
export class Note extends Entity {
  @Column() title: string
  @Relation(() => User) author: User
  constructor(title: string, author: User) {
    super()
    this.title = title
    this.author = author
  }
}

/** What to pass to `ORM.boot()`. */
export const MODEL_CLASSES = [SoftDel, User, Story, Review, Note]
