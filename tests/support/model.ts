import { Column, Entity, Relation } from '../../lib/index.js'

// The canonical sample model (the issue's): users write stories, stories carry tags, and a review
// points at its story and at two users. Test files import these classes instead of declaring their
// own; vitest evaluates this module once per test file (each file runs isolated), so every file gets
// fresh classes, which ORM.boot() may register anew. The soft-deletable variant is in soft-model.ts.

/** A user; `stories` is the inverse view of Story.createdBy. */
export class User extends Entity {
  @Column({ unique: true }) username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
  constructor(username: string) {
    super()
    this.username = username
  }
}

/** A tag; `stories` is the inverse view of Story.tags. */
export class Tag extends Entity {
  @Column() name: string
  @Relation(() => Story, { inverse: 'tags' }) stories: Story[]
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** A story: a required author (a dependency), an optional editor, and a to-many relation to tags. */
export class Story extends Entity {
  @Column() title: string
  @Relation(() => User) createdBy: User
  @Relation(() => User, { nullable: true }) editor?: User
  @Relation(() => Tag) tags: Tag[] = []
  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

/** A review: three required relations, two of them to the same class. */
export class Review extends Entity {
  @Relation(() => User) createdBy: User
  @Relation(() => User) approvedBy: User
  @Relation(() => Story) story: Story
  constructor(createdBy: User, approvedBy: User, story: Story) {
    super()
    this.createdBy = createdBy
    this.approvedBy = approvedBy
    this.story = story
  }
}

/** Every class of the model, in the order the tests boot them. */
export const MODEL = [User, Tag, Story, Review]
