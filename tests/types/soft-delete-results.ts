// Type tests: checked by `npm run typecheck` (the first step of `npm test`), never run. Each
// `@ts-expect-error` line must be an error, or tsc fails on it.
import { expectTypeOf } from 'vitest'
import { Column, ORM, Relation, SoftDel, Table, type CascadeCounts, type FindByIdOptions, type Loaded } from '../../lib/index.js'

@Table({ audit: true })
class User extends SoftDel {
  @Column() username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
}
@Table({ audit: true })
class Story extends SoftDel {
  @Column() title: string
  @Relation(() => User) createdBy: User
}

export async function cascadesReturnCounts(user: User): Promise<void> {
  expectTypeOf(await user.softDelete({ cascade: true })).toEqualTypeOf<CascadeCounts>()
  expectTypeOf(await user.restore({ cascade: true, withAncestors: true })).toEqualTypeOf<CascadeCounts>()
  const counts = await user.softDelete({ cascade: true, reason: 'gdpr' })
  expectTypeOf(counts['Story']).toEqualTypeOf<number | undefined>()
  // Without cascade the calls resolve with nothing, as before.
  expectTypeOf(await user.softDelete()).toEqualTypeOf<void>()
  expectTypeOf(await user.softDelete({ reason: 'spam' })).toEqualTypeOf<void>()
  expectTypeOf(await user.restore({ withAncestors: true })).toEqualTypeOf<void>()
  // A cascade known only at run time may return either.
  const cascade: boolean = Math.random() > 0.5
  expectTypeOf(await user.softDelete({ cascade })).toEqualTypeOf<CascadeCounts | undefined>()
  // @ts-expect-error counts are read-only
  counts['Story'] = 3
  // @ts-expect-error a reason is text
  await user.softDelete({ reason: 42 })
  // @ts-expect-error restore() takes no reason
  await user.restore({ reason: 'x' })
  expectTypeOf(await User.softDelete({ where: { username: 'ann' }, reason: 'bulk' })).toEqualTypeOf<number>()
}

export async function auditIsReadableAndQueryable(): Promise<void> {
  const [story] = await Story.find({ where: { deletedBy: 'ann', deletionReason: null }, onlyDeleted: true })
  expectTypeOf(story?.deletedBy).toEqualTypeOf<string | undefined>()
  expectTypeOf(story?.deletionReason).toEqualTypeOf<string | undefined>()
  if (!story) return
  // @ts-expect-error deletedBy is set by the ORM
  story.deletedBy = 'me'
  expectTypeOf(await ORM.actingAs(7, () => 'done')).toEqualTypeOf<string>()
  // @ts-expect-error an actor is an id: a string or a number
  await ORM.actingAs({ id: 7 }, () => undefined)
}

export async function findByIdLoadsRelations(): Promise<void> {
  const story = await Story.findById(1, { relations: { createdBy: { stories: true } }, withDeleted: true })
  if (!story) return
  expectTypeOf(story).toEqualTypeOf<Loaded<Story, { createdBy: { stories: true } }>>()
  expectTypeOf(story.createdBy.username).toEqualTypeOf<string>()
  expectTypeOf(story.createdBy.stories[0]?.title).toEqualTypeOf<string | undefined>()
  const plain = await Story.findById(1)
  // @ts-expect-error without relations, createdBy is lazy: await it
  void plain?.createdBy.username
  // @ts-expect-error title is a column, not a relation
  await Story.findById(1, { relations: { title: true } })
  const options: FindByIdOptions<User, { stories: { withDeleted: true } }> = { relations: { stories: { withDeleted: true } } }
  const user = await User.findById(1, options)
  expectTypeOf(user?.stories.length).toEqualTypeOf<number | undefined>()
}
