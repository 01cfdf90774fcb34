import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const repo = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Compiles lib/ with the TypeScript compiler, file by file (as `tsc` would emit each, without its
 * type check: `npm run typecheck` does that), into `<into>/esm` and `<into>/cjs`, with a package.json
 * naming it `veil-orm` and its "bin", so that a test can spawn the CLI and a test project can
 * `import ... from 'veil-orm'` through a node_modules link. A few seconds, where `npm run build` takes
 * a minute on a busy machine; tests/package/run.mjs checks the real build and tarball.
 */
export function buildPackage(into: string): { readonly bin: string } {
  const lib = join(repo, 'lib')
  for (const [folder, module] of [['esm', ts.ModuleKind.ESNext], ['cjs', ts.ModuleKind.CommonJS]] as const) {
    for (const file of listTs(lib)) {
      const source = ts.sys.readFile(file) ?? ''
      const output = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module,
          esModuleInterop: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          useDefineForClassFields: true,
        },
      }).outputText
      const target = join(into, folder, relative(lib, file).replace(/\.ts$/, '.js'))
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, output)
    }
  }
  writeFileSync(join(into, 'cjs/package.json'), JSON.stringify({ type: 'commonjs' }))
  const manifest = {
    name: 'veil-orm',
    type: 'module',
    exports: { '.': { import: './esm/index.js', require: './cjs/index.js' } },
    bin: { 'veil-orm': './esm/cli/bin.js' },
  }
  writeFileSync(join(into, 'package.json'), JSON.stringify(manifest, null, 2))
  // Its own dependencies (pg, better-sqlite3, reflect-metadata) resolve to the repository's.
  symlinkSync(join(repo, 'node_modules'), join(into, 'node_modules'), 'dir')
  return { bin: join(into, 'esm/cli/bin.js') }
}

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return listTs(path)
    return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [path] : []
  })
}
