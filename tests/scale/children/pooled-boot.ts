/**
 * One of the processes of tests/scale/many-processes.test.ts: boots the sample model through PgBouncer
 * (SCALE_URL) with `pooler: 'transaction'` as soon as the parent says go, writes one user, and prints one
 * JSON line: when its boot started and ended, and the server notices its connections got (a second
 * `CREATE TABLE IF NOT EXISTS` of a table would say "already exists, skipping").
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { ORM } from '../../../lib/index.js'
import { MODEL, User } from '../../support/model.js'

const [url, folder, name] = [process.env.SCALE_URL, process.env.SCALE_FOLDER, process.env.SCALE_NAME]
if (!url || !folder || !name) throw new Error('SCALE_URL, SCALE_FOLDER and SCALE_NAME are set by tests/scale/many-processes.test.ts')

const notices: string[] = []
const pool = new pg.Pool({ connectionString: url, max: 4 })
pool.on('connect', (client) => client.on('notice', (notice) => notices.push(notice.message ?? '')))

// Loaded: say so, then wait for the parent's go, so that all the processes boot at the same moment.
writeFileSync(join(folder, `ready-${name}`), '')
while (!existsSync(join(folder, 'go'))) await new Promise((resolve) => setTimeout(resolve, 5))

const bootStart = Date.now()
await ORM.boot(MODEL, { postgres: pool, pooler: 'transaction', logger: { warn: (message) => notices.push(message) } })
const bootEnd = Date.now()
new User(name)
await ORM.close()
await pool.end()
process.stdout.write(`${JSON.stringify({ name, bootStart, bootEnd, notices })}\n`)
