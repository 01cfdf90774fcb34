// Type tests: checked by `npm run typecheck` (the first step of `npm test`), never run. Each
// `@ts-expect-error` line must be an error, or tsc fails on it.
import { expectTypeOf } from 'vitest'
import { Column, Entity, Relation, SoftDel, type EntityId, type UpdateValues } from '../../lib/index.js'

class Team extends Entity {
  @Column() name: string
}
class Player extends SoftDel {
  @Column() name: string
  @Column({ nullable: true }) nickname?: string
  @Column() score: number
  @Relation(() => Team) team: Team
  @Relation(() => Team, { nullable: true }) coach?: Team
  @Relation(() => Team) formerTeams: Team[]
}

export async function updateTakesWritableColumns(): Promise<void> {
  expectTypeOf(await Player.update({ where: { name: 'ann' } }, { score: 3, nickname: null })).toEqualTypeOf<number>()
  await Player.update({ where: {}, withDeleted: true }, { name: 'x' })
  await Player.update({ where: { team: { name: 'reds' } }, onlyDeleted: true }, { score: 0 })
  expectTypeOf<UpdateValues<Player>>().toEqualTypeOf<
    { readonly name?: string; readonly nickname?: string | null; readonly score?: number } & { readonly team?: Team | EntityId; readonly coach?: Team | EntityId | null }
  >()
  await Player.update({ where: {} }, { team: new Team(), coach: null })
  await Player.update({ where: {} }, { team: 3 })
  // @ts-expect-error a value of the wrong type
  await Player.update({ where: {} }, { score: 'three' })
  // @ts-expect-error a required column cannot be cleared
  await Player.update({ where: {} }, { name: null })
  // @ts-expect-error an unknown property
  await Player.update({ where: {} }, { rank: 1 })
  // @ts-expect-error veil-orm sets the id and timestamps
  await Player.update({ where: {} }, { updatedAt: new Date() })
  // @ts-expect-error nor the soft-delete state
  await Player.update({ where: {} }, { isDeleted: true })
  // @ts-expect-error a required relation cannot be cleared
  await Player.update({ where: {} }, { team: null })
  // @ts-expect-error to-many relations are set on instances
  await Player.update({ where: {} }, { formerTeams: [] })
  // @ts-expect-error where is required
  await Player.update({}, { score: 1 })
  // @ts-expect-error a where on an unknown property
  await Player.update({ where: { rank: 1 } }, { score: 1 })
  // @ts-expect-error find's other options do not apply
  await Player.update({ where: {}, limit: 1 }, { score: 1 })
}
