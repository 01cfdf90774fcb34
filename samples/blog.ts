// The relations sample: users, stories, reviews and tags; the dependents graph; a guarded delete.
// Run with `npm run sample` (after the quickstart).
import 'reflect-metadata'
import { Column, DependentsError, Entity, ORM, Relation } from 'veil-orm'

class User extends Entity {
  @Column({ unique: true }) username: string
  // A read-only view of Story.createdBy: the stories whose author is this user.
  @Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]

  constructor(username: string) {
    super()
    this.username = username
  }
}

class Tag extends Entity {
  @Column({ unique: true }) name: string

  constructor(name: string) {
    super()
    this.name = name
  }
}

class Story extends Entity {
  @Column() title: string
  @Relation(() => User) createdBy: User // required: a user cannot be deleted under it
  @Relation(() => User, { nullable: true }) editor?: User // optional: cleared when the user goes
  @Relation(() => Tag) tags: Tag[] = [] // to-many, through the junction table story_tags

  constructor(title: string, createdBy: User) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

class Review extends Entity {
  @Column() text: string
  @Relation(() => Story) story: Story
  @Relation(() => User) createdBy: User
  @Relation(() => User) approvedBy: User

  constructor(text: string, story: Story, createdBy: User, approvedBy: User) {
    super()
    this.text = text
    this.story = story
    this.createdBy = createdBy
    this.approvedBy = approvedBy
  }
}

async function main(): Promise<void> {
  await ORM.boot([User, Tag, Story, Review])
  console.log('dependents of User:', ORM.dependentsOf(User))
  console.log(ORM.dependentsGraph().toMermaid())

  // New instances can reference each other: one flush inserts them in the graph's order.
  const john = new User('JohnDoe57')
  const mia = new User('mia')
  const orm = new Tag('orm')
  const story = new Story('Deleting data safely', john)
  story.tags.push(orm, new Tag('sqlite'))
  story.editor = mia
  new Review('Clear and short.', story, mia, john)

  const found = await Story.find({ where: { tags: { name: 'orm' } }, relations: { createdBy: true, tags: true } })
  console.log('stories tagged orm:', found.map((s) => `${s.title} by ${s.createdBy.username} [${s.tags.map((t) => t.name).join(', ')}]`))
  console.log("john's stories (inverse view):", (await john.stories).map((s) => s.title))

  try {
    await john.delete()
  } catch (error) {
    if (!(error instanceof DependentsError)) throw error
    console.log('refused:', error.message)
    console.log('counts:', error.counts)
  }

  // Decouple: hand every dependent over to mia, then the delete goes through.
  const dependents = await john.getDependents()
  for (const [className, [instances, props]] of Object.entries(dependents)) {
    for (const instance of instances) {
      for (const prop of props) {
        const record = instance as unknown as Record<string, unknown>
        if (record[prop] === john) record[prop] = mia
      }
    }
    console.log(`decoupled ${instances.length} ${className} (${props.join(', ')})`)
  }
  await john.delete()
  console.log('users left:', (await User.find()).map((user) => user.username))

  // An optional reference is cleared instead of blocking: deleting the editor's row would SET NULL.
  await orm.delete()
  console.log('tags of the story after deleting "orm":', story.tags.map((tag) => tag.name))
  await ORM.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
