// The soft-deletion sample: users, stories and reviews; soft delete a user with everything that
// depends on them, list what is hidden, restore, then hard-delete for good.
// Run with `npm run sample` (after the quickstart and the relations sample).
import 'reflect-metadata'
import { Column, DependentsError, ORM, Relation, SoftDel, SoftDelUuid } from 'veil-orm'

class User extends SoftDel {
  @Column({ unique: true }) username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]

  constructor(username: string) {
    super()
    this.username = username
  }
}

class Story extends SoftDel {
  @Column() title: string
  @Relation(() => User) createdBy: User

  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

class Review extends SoftDelUuid {
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

const names = (rows: { username?: string; title?: string; text?: string }[]): string =>
  rows.map((row) => row.username ?? row.title ?? row.text).join(', ') || '(none)'

async function main(): Promise<void> {
  // Passing the built-in bases is accepted, as MasqueradeORM's guide does; they get no table.
  await ORM.boot([SoftDel, SoftDelUuid, User, Story, Review])

  const ann = new User('ann')
  const bob = new User('bob')
  const hello = new Story('Hello', ann)
  const draft = new Story('Draft', ann)
  new Review('Nice start', hello, bob)
  new Review('Agreed', hello, ann)
  await ORM.flush()

  // A story soft-deleted on its own, before the cascade: the cascade's restore must leave it hidden.
  await draft.softDelete()

  await ann.softDelete({ cascade: true })
  console.log('live users:', names(await User.find()))
  console.log('live stories:', names(await Story.find()))
  console.log('live reviews:', names(await Review.find()))
  console.log('soft-deleted users:', names(await User.find({ onlyDeleted: true })))
  console.log('every story, with deleted ones:', names(await Story.find({ withDeleted: true })))

  // The username is free while ann is hidden; restoring would then conflict, so the newcomer goes first.
  const newcomer = new User('ann')
  await ORM.flush()
  console.log('a new user took the name ann:', newcomer.id !== ann.id)
  await newcomer.delete()

  await ann.restore({ cascade: true })
  console.log('after restore, live stories:', names(await Story.find()), '- reviews:', names(await Review.find()))
  console.log("ann's stories (inverse view, live only):", names(await ann.stories))

  // A hard delete is guarded: soft-deleted stories still reference ann, so they block it too.
  try {
    await ann.delete()
  } catch (error) {
    if (!(error instanceof DependentsError)) throw error
    console.log('hard delete refused:', error.counts)
  }
  for (const review of await Review.find({ withDeleted: true })) await review.delete()
  for (const story of await Story.find({ withDeleted: true })) await story.delete()
  await ann.delete()
  console.log('users left:', names(await User.find({ withDeleted: true })))
  await ORM.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
