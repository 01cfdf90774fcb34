import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { ORM, ValidationError, type BootOptions } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rejection } from '../support/rejection.js'
import { MODEL, Review, Story, Tag, User } from '../support/soft-model.js'

/**
 * Boots the model, seeds ann's story "alpha" (tags news and a soft-deleted old, one review), then boots
 * again on the same data so that nothing is in memory: what findById loads is what the test sees.
 */
async function seededFreshBoot(db: DialectContext): Promise<{ alphaId: number; annId: number }> {
  let reach: BootOptions
  if (db.name === 'sqlite-memory') {
    // An in-memory database lives as long as its handle: keep one across the boots.
    reach = { sqlite: new Database(':memory:') }
    await db.boot(MODEL, reach)
  } else {
    await db.boot(MODEL)
    reach = db.connectionOptions()
  }
  const ann = new User('ann')
  const alpha = new Story('alpha', ann)
  const old = new Tag('old')
  alpha.tags = [new Tag('news'), old]
  new Review('good', alpha, ann)
  await ORM.flush()
  await old.softDelete()
  const ids = { alphaId: alpha.id as number, annId: ann.id as number }
  await ORM.close()
  await ORM.boot(MODEL, reach)
  return ids
}

describeEachDialect('findById with relations', (db) => {
  it('loads the relations named, nested ones included, as find() does', async () => {
    const { alphaId } = await seededFreshBoot(db)
    const story = await Story.findById(alphaId, { relations: { createdBy: { stories: true }, tags: true } })
    expect(story?.title).toBe('alpha')
    // Loaded: plain values, not promises.
    expect(story?.createdBy.username).toBe('ann')
    expect(story?.createdBy.stories.map((s) => s.title)).toEqual(['alpha'])
    expect(story?.tags.map((tag) => tag.name)).toEqual(['news'])
  })

  it('leaves the relations not named lazy, as before', async () => {
    const { alphaId } = await seededFreshBoot(db)
    const story = await Story.findById(alphaId, { relations: { createdBy: true } })
    expect(story?.createdBy.username).toBe('ann')
    const tags = story?.tags
    expect(tags).toBeInstanceOf(Promise)
    expect((await tags)?.map((tag) => tag.name)).toEqual(['news'])
  })

  it('shows soft-deleted members with withDeleted on the relation, and soft-deleted rows with withDeleted on the call', async () => {
    const { alphaId, annId } = await seededFreshBoot(db)
    const story = await Story.findById(alphaId, { relations: { tags: { withDeleted: true } } })
    expect(story?.tags.map((tag) => tag.name).sort()).toEqual(['news', 'old'])
    const ann = await User.findById(annId)
    await ann?.softDelete({ cascade: true })
    expect(await User.findById(annId, { relations: { stories: true } })).toBeUndefined()
    const hidden = await User.findById(annId, { withDeleted: true, relations: { stories: true } })
    expect(hidden?.isDeleted).toBe(true)
    // The stories the cascade hid are soft-deleted members: hidden unless the relation asks for them.
    expect(hidden?.stories).toEqual([])
    const shown = await User.findById(annId, { onlyDeleted: true, relations: { stories: { withDeleted: true } } })
    expect(shown?.stories.map((s) => s.title)).toEqual(['alpha'])
  })

  it('refuses an unknown relation or option before anything runs', async () => {
    const { alphaId } = await seededFreshBoot(db)
    const error = await rejection(Story.findById(alphaId, { relations: { author: true } as never }))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain("Story has no relation 'author'")
    const option = await rejection(Story.findById(alphaId, { include: { tags: true } } as never))
    expect(option).toBeInstanceOf(ValidationError)
    expect(option.message).toContain('use relations: { prop: true } to load relations')
  })
})
