// Run several at a time by tests/schema/migrations.test.ts: boots no class with skipTableCreation on the
// test's database (VEIL_BOOT, JSON boot options), runs the migrations of VEIL_DIR, prints what ran.
import { ORM, type BootOptions } from '../../../lib/index.js'

setTimeout(() => {
  console.error('migrate: still running after 60 s')
  process.exit(3)
}, 60_000).unref()

const options = JSON.parse(process.env.VEIL_BOOT ?? '{}') as BootOptions
await ORM.boot([], { ...options, skipTableCreation: true })
const ran = await ORM.migrations.run({ dir: process.env.VEIL_DIR ?? '' })
await ORM.close()
console.log(JSON.stringify(ran.map((record) => record.name)))
