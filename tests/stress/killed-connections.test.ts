import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { describeRun, messagesOf, runChild } from './support/child-process.js'
import { USER_STORY_MODEL } from './support/model.js'

/**
 * PostgreSQL backends terminated (pg_terminate_backend from a second connection) at three moments,
 * each in its own child process (tests/stress/children/killed-connection.ts) that must exit 0: an
 * error nobody listened to would end it with a non-zero code.
 */

const USERS = 40
const STORIES = USERS * 5
const WRITTEN_ONCE = { users: USERS, stories: STORIES, distinctStories: STORIES }
const NOTHING = { users: 0, stories: 0, distinctStories: 0 }

describeEachDialect(
  'killed connections',
  (db) => {
    async function runScenario(scenario: string): Promise<Record<string, unknown>> {
      await db.boot([...USER_STORY_MODEL])
      await ORM.close()
      const run = await runChild('killed-connection.ts', {
        env: { STRESS_BOOT: JSON.stringify(db.connectionOptions()), STRESS_SCENARIO: scenario },
        timeoutMs: 120_000,
      })
      const [result] = messagesOf(run, 'result')
      const context = describeRun(run)
      expect(run.code, context).toBe(0)
      expect(messagesOf(run, 'done'), context).toHaveLength(1)
      for (const background of messagesOf(run, 'background')) expect(background.name, context).toBe('ConnectionError')
      return { ...result, context }
    }

    /** The call failed with a ConnectionError, wrote nothing, and the retry wrote everything once. */
    function expectFailedCleanlyThenWrittenOnce(result: Record<string, unknown>): void {
      expect((result.failure as { name?: string } | undefined)?.name, String(result.context)).toBe('ConnectionError')
      expect(result.afterFailure).toEqual(NOTHING)
      expect(result.retry, String(result.context)).toBeUndefined()
      expect(result.afterRetry).toEqual(WRITTEN_ONCE)
    }

    it('rejects a flush whose backend dies with a ConnectionError, writes none of it, and the next flush writes it once', async () => {
      expectFailedCleanlyThenWrittenOnce(await runScenario('flush'))
    })

    it('rejects a transaction whose backend dies while its callback awaits with a ConnectionError, and a retry commits it once', async () => {
      expectFailedCleanlyThenWrittenOnce(await runScenario('transaction'))
    })

    it('recovers from backends killed while idle in the pool: the next flush writes everything once', async () => {
      const result = await runScenario('idle')
      expect(result.terminated, String(result.context)).toBeGreaterThan(0)
      expect(result.failure, String(result.context)).toBeUndefined()
      expect(result.afterRetry).toEqual(WRITTEN_ONCE)
    })
  },
  ['postgres'],
)
