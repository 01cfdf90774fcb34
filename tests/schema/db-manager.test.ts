import { expect, it } from 'vitest'
import { Column, DbManager, Entity, ORM, Relation, SchemaChangeError, Table, type EntityClass } from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { columnNames, rawRows, tableNames } from '../support/raw-sql.js'

// Two versions of a small model (the same tables through @Table), declared here because only this
// file drops what a previous version mapped.

class Team extends Entity {
  @Column({ unique: true }) name: string
}
class Member extends Entity {
  @Column({ unique: true }) email: string
  @Column({ nullable: true }) nick?: string
  @Relation(() => Team) team: Team
  @Relation(() => Team, { nullable: true }) formerTeam?: Team
  @Relation(() => Team) watched: Team[] = []
}
class Badge extends Entity {
  @Column() label: string
  @Relation(() => Member) member: Member
}
@Table({ name: 'team' })
class TeamV2 extends Entity {
  @Column({ unique: true }) name: string
}
@Table({ name: 'member' })
class MemberV2 extends Entity {
  @Column({ unique: true }) email: string
  @Relation(() => TeamV2) team: TeamV2
}

async function seedV1(db: DialectContext): Promise<{ teamId: unknown; memberId: unknown }> {
  await db.boot([Team, Member, Badge])
  const team = Object.assign(new Team(), { name: 'red' })
  const old = Object.assign(new Team(), { name: 'blue' })
  const member = Object.assign(new Member(), { email: 'a@x.io', nick: 'ann', team, formerTeam: old })
  member.watched.push(old)
  Object.assign(new Badge(), { label: 'gold', member })
  await ORM.flush()
  await ORM.query('CREATE TABLE other_app_log (id integer PRIMARY KEY, line text)')
  await ORM.query(`INSERT INTO other_app_log (id, line) VALUES (1, 'kept')`)
  await ORM.close()
  return { teamId: team.id, memberId: member.id }
}

async function bootV2(db: DialectContext, classes: readonly EntityClass[] = [TeamV2, MemberV2]): Promise<void> {
  await ORM.boot(classes, { ...db.connectionOptions(), logger: { warn: () => undefined } })
}

describeEachDialect('DbManager', (db) => {
  it('drops unused columns, keeping the other columns\' data, the unique index and the foreign keys', async () => {
    const { teamId, memberId } = await seedV1(db)
    await bootV2(db)
    const dropped = await DbManager.dropUnusedColumns()
    expect(dropped).toEqual([
      { table: 'member', column: 'nick' },
      { table: 'member', column: 'former_team_id' },
    ])
    expect(await columnNames('member')).toEqual(['created_at', 'email', 'id', 'team_id', 'updated_at'])
    expect(await rawRows('SELECT id, email, team_id FROM member')).toEqual([{ id: memberId, email: 'a@x.io', team_id: teamId }])
    // The unique index still refuses a duplicate, the foreign key an orphan, the junction still cascades.
    await expect(ORM.query(`INSERT INTO member (email, team_id, created_at, updated_at) VALUES ('a@x.io', ${String(teamId)}, ${db.isPostgres ? 'now(), now()' : '1, 1'})`)).rejects.toThrow()
    await expect(ORM.query(`INSERT INTO member (email, team_id, created_at, updated_at) VALUES ('b@x.io', 999, ${db.isPostgres ? 'now(), now()' : '1, 1'})`)).rejects.toThrow()
    expect(await rawRows('SELECT count(*) AS n FROM member_watched')).toEqual([{ n: db.isPostgres ? '1' : 1 }])
    expect(await rawRows('SELECT count(*) AS n FROM badge')).toEqual([{ n: db.isPostgres ? '1' : 1 }])
    expect((await ORM.schemaDiff()).filter((d) => d.kind === 'dropColumn')).toEqual([])
    // A new member gets an id above every earlier one (SQLite's AUTOINCREMENT counter survived the rebuild).
    const red = await TeamV2.findOne({ where: { name: 'red' } })
    const next = Object.assign(new MemberV2(), { email: 'c@x.io', team: red })
    await ORM.flush()
    expect(Number(next.id)).toBeGreaterThan(Number(memberId))
  })

  it('drops the unused columns of one table only when named, and refuses a table no class maps', async () => {
    await seedV1(db)
    await bootV2(db)
    expect(await DbManager.dropUnusedColumns('team')).toEqual([])
    await expect(DbManager.dropUnusedColumns('badge')).rejects.toThrow(SchemaChangeError)
    await expect(DbManager.dropUnusedColumns('badge')).rejects.toThrow(/"badge" is not the table of a booted class/)
    await expect(DbManager.dropUnusedColumns('nothing_here')).rejects.toThrow(/no table "nothing_here"/)
    expect(await columnNames('member')).toContain('nick')
  })

  it('drops unused entity tables and junctions, never another program\'s table unless named', async () => {
    await seedV1(db)
    await bootV2(db)
    // badge is referenced by nothing; member_watched references member and team but nothing references it.
    expect(await DbManager.dropUnusedJunctions()).toEqual(['member_watched'])
    expect(await DbManager.dropUnusedTables()).toEqual(['badge'])
    expect(await tableNames()).toEqual(['member', 'other_app_log', 'team'])
    expect(await DbManager.dropUnusedTables()).toEqual([])
    expect(await DbManager.dropUnusedTables('other_app_log')).toEqual(['other_app_log'])
    expect(await tableNames()).toEqual(['member', 'team'])
  })

  it('refuses, dropping nothing, a mapped table or junction and a table still referenced', async () => {
    await seedV1(db)
    await bootV2(db, [TeamV2])
    const refusal = await DbManager.dropUnusedTables('team').catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(SchemaChangeError)
    expect((refusal as Error).message).toMatch(/refused to drop the table "team": the class TeamV2 maps it\. Nothing was dropped/)
    // member is unused now, but badge (unused, not in this call) and member_watched still reference it.
    await expect(DbManager.dropUnusedTables('member')).rejects.toThrow(/"member" is referenced by "badge", "member_watched"/)
    expect(await tableNames()).toEqual(['badge', 'member', 'member_watched', 'other_app_log', 'team'])
    // Without a name, badge and member go together; the junction still references member.
    await expect(DbManager.dropUnusedTables()).rejects.toThrow(/"member" is referenced by "member_watched"/)
    expect(await tableNames()).toHaveLength(5)
    expect(await DbManager.dropUnusedJunctions()).toEqual(['member_watched'])
    expect((await DbManager.dropUnusedTables()).sort()).toEqual(['badge', 'member'])
    expect(await tableNames()).toEqual(['other_app_log', 'team'])
  })

  it('refuses to drop a mapped junction by name', async () => {
    await seedV1(db)
    await bootV2(db, [Team, Member, Badge])
    await expect(DbManager.dropUnusedJunctions('member_watched')).rejects.toThrow(/a to-many relation of Member maps it/)
    expect(await DbManager.dropUnusedJunctions()).toEqual([])
    expect(await DbManager.dropUnusedColumns()).toEqual([])
  })

  it('refuses to run inside a transaction, leaving the transaction and the schema alone', async () => {
    await seedV1(db)
    await bootV2(db)
    await ORM.transaction(async () => {
      const team = Object.assign(new TeamV2(), { name: 'green' })
      await expect(DbManager.dropUnusedColumns()).rejects.toThrow(/Cannot drop unused columns \(DbManager.dropUnusedColumns\(\)\) while an ORM.transaction\(\) is open/)
      await expect(DbManager.dropUnusedTables()).rejects.toThrow(SchemaChangeError)
      await expect(ORM.schemaDiff()).rejects.toThrow(SchemaChangeError)
      await ORM.flush()
      expect(team.id).toBeDefined()
    })
    expect(await TeamV2.count({ where: { name: 'green' } })).toBe(1)
    expect(await columnNames('member')).toContain('nick')
  })
}, ['sqlite-file', 'postgres'])

describeEachDialect('DbManager on SQLite rows that already break a foreign key', (db) => {
  it('rolls the rebuild back and drops nothing when the foreign key check fails', async () => {
    await seedV1(db)
    // Another connection, with foreign key enforcement turned off, leaves an orphan behind.
    const other = await db.openSecondConnection()
    await other.run('PRAGMA foreign_keys = OFF')
    await other.run(`INSERT INTO member (email, nick, team_id, created_at, updated_at) VALUES ('orphan@x.io', 'o', 999, 1, 1)`)
    await other.close()
    await bootV2(db)
    const error = await DbManager.dropUnusedColumns().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SchemaChangeError)
    expect((error as Error).message).toMatch(/rebuilt the table "member" but 1 row\(s\) of the database break a foreign key; the rebuild was rolled back/)
    expect(await columnNames('member')).toContain('former_team_id')
    expect(await rawRows(`SELECT nick FROM member ORDER BY id`)).toEqual([{ nick: 'ann' }, { nick: 'o' }])
    // Enforcement is back on for the ORM's connection.
    await expect(ORM.query(`INSERT INTO member (email, team_id, created_at, updated_at) VALUES ('z@x.io', 998, 1, 1)`)).rejects.toThrow()
  })
}, ['sqlite-file'])
