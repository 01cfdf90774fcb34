import { expect, it } from 'vitest'
import { Column, Entity, ORM, Relation } from '../../lib/index.js'
import { importModel } from '../support/compiled-model.js'
import { describeEachDialect } from '../support/dialects.js'

// Assigning undefined to a to-many relation means "no members", in a constructor or later, whatever
// useDefineForClassFields says. The model is compiled by tsc both ways, as users compile it.
const MODEL_SOURCE = `
export function make(Entity: any, Column: any, Relation: any) {
  class Topic extends Entity {
    @Column() name!: string
  }
  class Post extends Entity {
    @Column() title!: string
    @Relation(() => Topic) topics?: Topic[]
    constructor(title: string, topics?: Topic[]) {
      super()
      this.title = title
      this.topics = topics
    }
  }
  return { Topic, Post }
}
`

interface Topic extends Entity {
  name: string
}
interface Post extends Entity {
  title: string
  topics?: Topic[]
}
interface Model {
  Topic: new () => Topic
  Post: (new (title: string, topics?: Topic[]) => Post) & Pick<typeof Entity, 'findById'>
}

async function loadModel(useDefineForClassFields: boolean): Promise<Model> {
  const make = await importModel<(...args: unknown[]) => Model>(MODEL_SOURCE, useDefineForClassFields, 'to-many-model')
  return make(Entity, Column, Relation)
}

const models = new Map<boolean, Model>()
for (const flag of [true, false]) models.set(flag, await loadModel(flag))

async function junctionRows(): Promise<number> {
  return (await ORM.query('SELECT post_id FROM post_topics')).length
}

describeEachDialect('undefined assigned to a to-many relation', (db) => {
  for (const flag of [true, false]) {
    const setting = `useDefineForClassFields ${flag ? 'on' : 'off'}`

    it(`boots a declaration topics?: Topic[] and takes undefined in the constructor as no members (${setting})`, async () => {
      const { Topic, Post } = models.get(flag) as Model
      await db.boot([Topic, Post])
      const post = new Post('empty', undefined)
      await ORM.flush()
      expect(post.topics).toEqual([])
      expect(await junctionRows()).toBe(0)
    })

    it(`clears the members of a loaded instance (${setting})`, async () => {
      const { Topic, Post } = models.get(flag) as Model
      await db.boot([Topic, Post])
      const topic = Object.assign(new Topic(), { name: 'orm' })
      const post = new Post('full', [topic])
      await ORM.flush()
      expect(await junctionRows()).toBe(1)

      post.topics = undefined
      expect(post.topics).toEqual([])
      await ORM.flush()
      expect(await junctionRows()).toBe(0)
      ;(post.topics as unknown as Topic[]).push(topic)
      await ORM.flush()
      expect(await junctionRows()).toBe(1)
    })

    // A new boot on the same database gives instances whose relation was never loaded (not in memory).
    it.skipIf(db.name === 'sqlite-memory')(`clears the members of an instance whose relation was never loaded (${setting})`, async () => {
      const { Topic, Post } = models.get(flag) as Model
      await db.boot([Topic, Post])
      const topic = Object.assign(new Topic(), { name: 'orm' })
      const post = new Post('full', [topic])
      await ORM.flush()
      await ORM.close()
      await ORM.boot([Topic, Post], db.connectionOptions())
      const loaded = (await Post.findById(post.id)) as Post
      loaded.topics = undefined
      await ORM.flush()
      expect(await junctionRows()).toBe(0)
      expect(await loaded.topics).toEqual([])
    })
  }
})

// The same declaration compiled by SWC (as vitest compiles this file): design:type is Array too.
class Label extends Entity {
  @Column() text: string
}
class Parcel extends Entity {
  @Column() code: string
  @Relation(() => Label) labels?: Label[]
}

describeEachDialect('an optional to-many declaration compiled by SWC', (db) => {
  it('boots as a to-many relation and reads undefined back as no members', async () => {
    await db.boot([Label, Parcel])
    const parcel: Parcel = Object.assign(new Parcel(), { code: 'p1', labels: [Object.assign(new Label(), { text: 'fragile' })] })
    await ORM.flush()
    expect(await ORM.query('SELECT parcel_id FROM parcel_labels')).toHaveLength(1)
    parcel.labels = undefined
    await ORM.flush()
    expect(parcel.labels).toEqual([])
    expect(await ORM.query('SELECT parcel_id FROM parcel_labels')).toEqual([])
  })
})
