import { configDefaults, defineConfig } from 'vitest/config'
import base from './vitest.config.js'

// `npm run test:scale`: the scale-out suite (tests/scale: a real PgBouncer in transaction pooling
// mode, many processes, read replicas on a primary and a streaming replica), kept out of `npm test`
// like the stress suite. Its files start servers and child processes, so they run one at a time.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/scale/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
})
