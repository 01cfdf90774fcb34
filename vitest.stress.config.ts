import { configDefaults, defineConfig } from 'vitest/config'
import base from './vitest.config.js'

// `npm run test:stress`: the stress suite (tests/stress), kept out of `npm test`. It reuses the
// SWC set-up of vitest.config.ts; its files start child processes and write large batches, so
// they run one at a time on CI's small machines.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/stress/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
})
