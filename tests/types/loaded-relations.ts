// Type tests: checked by `npm run typecheck` (the first step of `npm test`) under the repository's
// strict settings, never run. Each `@ts-expect-error` line must be an error, or tsc fails on it.
import { expectTypeOf } from 'vitest'
import { Column, Entity, ORM, Relation, SoftDel, type Lazy, type Loaded } from '../../lib/index.js'

class User extends Entity {
  @Column({ unique: true }) username: string
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]
}
class Tag extends Entity {
  @Column({ unique: true }) name: string
}
class Story extends SoftDel {
  @Column() title: string
  @Relation(() => User) createdBy: User
  @Relation(() => User, { nullable: true }) editor?: User
  @Relation(() => Tag) tags: Tag[] = []
}

export async function loadedRelationsArePlain(): Promise<void> {
  const [story] = await Story.find({ relations: { createdBy: true, tags: true } })
  if (!story) return
  expectTypeOf(story.createdBy.username).toEqualTypeOf<string>()
  expectTypeOf(story.tags.map((tag) => tag.name)).toEqualTypeOf<string[]>()
  expectTypeOf(story.title).toEqualTypeOf<string>()
  // The relation not asked for stays lazy.
  // @ts-expect-error editor was not loaded: await it
  void story.editor.username
  const editor = await story.editor
  expectTypeOf(editor?.username).toEqualTypeOf<string | undefined>()
}

export async function unloadedRelationsMustBeAwaited(): Promise<void> {
  const story = await Story.findById(1)
  if (!story) return
  // @ts-expect-error a to-one that may not be loaded is a promise: await it
  void story.createdBy.username
  // @ts-expect-error a to-many that may not be loaded is a promise: await it
  void story.tags.map((tag) => tag.name)
  expectTypeOf(story.createdBy).toEqualTypeOf<Lazy<Loaded<User>>>()
  // await is right in both states.
  const author = await story.createdBy
  expectTypeOf(author.username).toEqualTypeOf<string>()
  const tags = await story.tags
  expectTypeOf(tags.map((tag) => tag.name)).toEqualTypeOf<string[]>()
  const found = await Story.findOne({ where: { title: 'Hello' } })
  // @ts-expect-error findOne without relations: createdBy is lazy
  void found?.createdBy.username
  // Assignments take plain instances whatever the state.
  story.createdBy = author
  story.tags = [...tags]
  story.editor = undefined
}

export async function nestedRelationsCarryThrough(): Promise<void> {
  const [story] = await Story.find({ relations: { createdBy: { stories: { tags: true } }, editor: true } })
  if (!story) return
  expectTypeOf(story.createdBy.stories[0]?.tags[0]?.name).toEqualTypeOf<string | undefined>()
  expectTypeOf(story.editor?.username).toEqualTypeOf<string | undefined>()
  // @ts-expect-error the nested stories' authors were not loaded
  void story.createdBy.stories[0]?.createdBy.username
  // `false` and non-literal booleans do not load.
  const [other] = await Story.find({ relations: { createdBy: false } })
  // @ts-expect-error createdBy: false
  void other?.createdBy.username
  const flag: boolean = Math.random() > 0.5
  const [maybe] = await Story.find({ relations: { createdBy: flag } })
  // @ts-expect-error loaded only when flag is true
  void maybe?.createdBy.username
  // withDeleted in a nested entry is not a relation.
  const [withHidden] = await Story.find({ relations: { tags: { withDeleted: true } } })
  expectTypeOf(withHidden?.tags.length).toEqualTypeOf<number | undefined>()
}

export async function relationsOptionIsChecked(): Promise<void> {
  // @ts-expect-error title is a column, not a relation
  await Story.find({ relations: { title: true } })
  // @ts-expect-error no such relation
  await Story.find({ relations: { author: true } })
}

export async function newInstancesKeepTheirDeclaredTypes(): Promise<void> {
  const ann = Object.assign(new User(), { username: 'ann' })
  const story = Object.assign(new Story(), { title: 'Hello', createdBy: ann })
  expectTypeOf(story.createdBy.username).toEqualTypeOf<string>()
  // A found instance may be passed where Loaded<Story> is expected, and so may a new one.
  const takesLoaded = (value: Loaded<Story>): string => value.title
  takesLoaded(story)
  const found = await Story.findById(1)
  if (found) takesLoaded(found)
}

// ORM.md's decoupling example ("getDependents(), decoupling, delete()"), verbatim between the markers.
export async function decouplingExample(someoneElse: User): Promise<void> {
  // --- ORM.md decoupling example ---
  const user = await User.findOne({ where: { username: 'JohnDoe57' } })
  if (!user) throw new Error('no user JohnDoe57')
  const dependents = await user.getDependents()
  // { Story: [[story1, story2], ['createdBy']], Review: [[review7], ['createdBy', 'approvedBy']] }
  for (const [instances, props] of Object.values(dependents)) {
    for (const instance of instances) for (const prop of props)
      if (instance[prop] === user) instance[prop] = someoneElse        // decouple...
  }
  // ...or delete the dependents: await story.delete()
  await user.delete()                                                  // now succeeds
  // --- end ---
  await ORM.close()
}
