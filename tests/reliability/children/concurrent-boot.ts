// Run four at a time by tests/reliability/concurrent-boot.test.ts: waits for the shared start
// signal (an advisory lock the test holds, taken here in shared mode), then boots the model.
import pg from 'pg'
import { ORM } from '../../../lib/index.js'
import { CHILD_MODEL, Member } from './model.js'

const config = JSON.parse(process.env.VEIL_PG_CONFIG ?? '{}') as pg.PoolConfig
const startKey = Number(process.env.VEIL_START_KEY)
setTimeout(() => {
  console.error('concurrent-boot: still running after 60 s')
  process.exit(3)
}, 60_000).unref()

const signal = new pg.Client({ connectionString: config.connectionString })
await signal.connect()
await signal.query('SELECT pg_advisory_lock_shared($1)', [startKey])
await signal.query('SELECT pg_advisory_unlock_shared($1)', [startKey])
await signal.end()

const warnings: string[] = []
await ORM.boot(CHILD_MODEL, { postgres: { ...config, max: 2 }, logger: { warn: (message) => warnings.push(message) } })
const members = await Member.count()
await ORM.close()
console.log(JSON.stringify({ booted: true, members, warnings }))
