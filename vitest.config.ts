import swc from 'unplugin-swc'
import { configDefaults, defineConfig } from 'vitest/config'

// esbuild (vitest's default transform) emits no decorator metadata; SWC does, like tsc.
export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
        target: 'es2022',
      },
    }),
  ],
  test: {
    include: ['tests/**/*.test.ts'],
    // The stress and scale suites run on their own: `npm run test:stress` (vitest.stress.config.ts)
    // and `npm run test:scale` (vitest.scale.config.ts).
    exclude: [...configDefaults.exclude, 'tests/stress/**', 'tests/scale/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
})
