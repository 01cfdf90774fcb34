/**
 * Another application process for tests/scale/many-processes.test.ts: boots the soft-deletable sample
 * model through PgBouncer (SCALE_URL) with `pooler: 'transaction'`, renames user SCALE_USER and
 * soft-deletes story SCALE_STORY, then closes (which flushes).
 */
import { ORM } from '../../../lib/index.js'
import { MODEL, Story, User } from '../../support/soft-model.js'

const [url, userId, storyId] = [process.env.SCALE_URL, Number(process.env.SCALE_USER), Number(process.env.SCALE_STORY)]
if (!url) throw new Error('SCALE_URL, SCALE_USER and SCALE_STORY are set by tests/scale/many-processes.test.ts')
await ORM.boot(MODEL, { postgres: url, pooler: 'transaction', skipTableCreation: true })
const user = await User.findById(userId)
const story = await Story.findById(storyId)
if (!user || !story) throw new Error('the parent wrote a user and a story first')
user.username = 'renamed by another process'
await story.softDelete()
await ORM.close()
process.stdout.write('{"done":true}\n')
