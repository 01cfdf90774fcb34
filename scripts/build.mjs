// Builds the published package: dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts
// files and source maps pointing at the shipped lib/ sources. Run by `npm run build`, and by npm
// itself before `npm pack`/`npm publish` and when installing from a git URL (the `prepare` script).
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

rmSync(join(root, 'dist'), { recursive: true, force: true })
for (const project of ['tsconfig.build.json', 'tsconfig.build.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' })
}
// The root package.json says "type": "module"; this one makes Node and TypeScript read dist/cjs as CommonJS.
writeFileSync(join(root, 'dist/cjs/package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`)
