import { Column, Entity, Relation, SoftDel, SoftDelUuid } from '../../lib/index.js'

// The canonical sample model, soft-deletable: users write and edit stories, stories carry tags and
// get reviews (UUID ids), and users keep plain notes, which cannot be soft-deleted. Evaluated once
// per test file like model.ts, so every file gets fresh classes.

/** A soft-deletable user; `stories` and `edited` are the inverse views of Story.createdBy and Story.editor. */
export class User extends SoftDel {
  @Column({ unique: true }) username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
  @Relation(() => Story, { inverse: 'editor' }) edited: Story[]
  constructor(username: string) {
    super()
    this.username = username
  }
}

/** A soft-deletable tag; `stories` is the inverse view of Story.tags. */
export class Tag extends SoftDel {
  @Column() name: string
  @Relation(() => Story, { inverse: 'tags' }) stories: Story[]
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** A soft-deletable story: a required author, an optional editor, and tags. */
export class Story extends SoftDel {
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

/** A soft-deletable review with a UUID id, depending on its story and its author. */
export class Review extends SoftDelUuid {
  @Column() text: string
  @Relation(() => Story) story: Story
  @Relation(() => User) createdBy: User
  constructor(text: string, story: Story, createdBy: User) {
    super()
    this.text = text
    this.story = story
    this.createdBy = createdBy
  }
}

/** A plain dependent of a soft-deletable user. */
export class Note extends Entity {
  @Column() body: string
  @Relation(() => User) author: User
  constructor(body: string, author: User) {
    super()
    this.body = body
    this.author = author
  }
}

/** Every class of the model with the built-in bases, in the order the tests boot them. */
export const MODEL = [SoftDel, SoftDelUuid, User, Tag, Story, Review, Note]
