// Run by tests/reliability/collectable.test.ts with --expose-gc: boots on the database in VEIL_BOOT_OPTIONS,
// keeps only WeakRefs to the instances it inserts and loads, and reports how many survive a full collection.
import { Column, Entity, ORM, type BootOptions } from '../../../lib/index.js'

class Keepsake extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

const COUNT = Number(process.env.VEIL_COUNT ?? 20_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('collectable: run with --expose-gc')

/** How many of the instances behind `refs` are still alive after the current job ends and a full collection. */
async function survivors(refs: readonly WeakRef<object>[]): Promise<number> {
  // A WeakRef's target is kept until the job that created or read it ends, and callbacks scheduled while
  // the transaction ran (a scheduled flush, a pooled client's release) may hold its scope a moment longer:
  // the instances must be gone within a second or two, not at the first turn of the event loop.
  let alive = refs.length
  for (let attempt = 0; attempt < 20 && alive > 1; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, attempt * 10))
    await new Promise((resolve) => setImmediate(resolve))
    gc?.()
    alive = refs.filter((ref) => ref.deref() !== undefined).length
  }
  return alive
}

await ORM.boot([Keepsake], JSON.parse(process.env.VEIL_BOOT_OPTIONS ?? '{}') as BootOptions)

/** Inserts COUNT instances in one transaction; returns WeakRefs to them, and the one instance kept. */
async function insertMany(): Promise<{ refs: WeakRef<object>[]; kept: Keepsake; keptId: unknown }> {
  const refs: WeakRef<object>[] = []
  let kept: Keepsake | undefined
  await ORM.transaction(async () => {
    for (let i = 0; i < COUNT; i++) {
      const keepsake = new Keepsake(`k${i}`)
      refs.push(new WeakRef(keepsake))
      if (i === 7) kept = keepsake
    }
    await ORM.flush()
  })
  return { refs, kept: kept as Keepsake, keptId: kept?.id }
}

/** Loads every row; returns WeakRefs to the instances. */
async function loadAll(): Promise<WeakRef<object>[]> {
  return (await Keepsake.find()).map((keepsake) => new WeakRef(keepsake))
}

const { refs: inserted, kept, keptId } = await insertMany()
const insertedAlive = await survivors(inserted)
const loaded = await loadAll()
const loadedAlive = await survivors(loaded)
// The instance still held is the one a lookup returns: identity holds for what the caller keeps.
const found = await Keepsake.findById(keptId as number)
await ORM.close()
console.log(JSON.stringify({ insertedAlive, loaded: loaded.length, loadedAlive, sameInstance: found === kept }))
