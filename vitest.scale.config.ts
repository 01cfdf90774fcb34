import { configDefaults, defineConfig } from 'vitest/config'
import base from './vitest.config.js'

// `npm run test:scale`: the scale-out suite (tests/scale), kept out of `npm test`. It reuses the
// SWC set-up of vitest.config.ts; its files start their own PostgreSQL servers (a primary with a
// streaming replica), so they run one at a time.
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
