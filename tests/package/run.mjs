// The packaging test (`npm run test:package`, run by .ci/run after `npm test`): packs veil-orm as npm
// would publish it, installs the tarball into fresh projects in a temporary folder outside the
// repository (so nothing resolves to its node_modules), and in each one compiles and runs a program
// that boots on SQLite, inserts, finds with relations, soft-deletes and restores, and prints a known
// line (and, in js-esm and ts-cjs, runs the installed `npx veil-orm --help` and `schema:diff` with an
// ES module and a CommonJS config module):
//   ts-esm   TypeScript, strict, ES modules, tsc (no skipLibCheck: the published types must be complete)
//   ts-cjs   TypeScript, strict, "module": "commonjs" (as NestJS generates), tsc
//   js-esm   plain JavaScript, ES modules, no compiler
//   esbuild  TypeScript bundled by esbuild: no decorator metadata, explicit types and relation kinds
// The four projects are the workspaces of one npm root, so better-sqlite3 is installed once. Its
// native build takes minutes on a busy machine, so when the repository's own install (npm ci, just
// before) holds a built better-sqlite3, that exact version is installed without its build script and
// given a copy of the built binary; set PACKAGE_TEST_BUILD_SQLITE=1 to build it from scratch instead.
// Set KEEP_PACKAGE_TEST=1 to keep the temporary folder.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..')
const fixtures = join(repo, 'tests/package/fixtures')
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
const EXPECTED = 'ann wrote Hello tagged intro; after softDelete 0 of 1; after restore 1'
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const started = Date.now()

/** Runs a command, echoing it; its output goes to ours unless captured. */
function run(command, args, cwd, capture = false) {
  console.log(`[package] ${cwd === repo ? '' : `(${cwd.split('/').pop()}) `}${command} ${args.join(' ')}`)
  const output = execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env: { ...process.env, NODE_PATH: '' },
  })
  return capture ? output : ''
}

/**
 * Runs the installed `npx veil-orm`: --help exits 0 with the usage, and schema:diff --json on an empty
 * database exits 3 (differences) listing the config's table. Returns what went wrong.
 */
function checkCli(project, cwd) {
  const npx = (...args) => {
    console.log(`[package] (${project}) npx veil-orm ${args.join(' ')}`)
    return spawnSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no-install', 'veil-orm', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } })
  }
  const problems = []
  const help = npx('--help')
  if (help.status !== 0 || !help.stdout.startsWith('Usage: npx veil-orm')) problems.push(`${project}: npx veil-orm --help exited ${help.status}: ${help.stdout}${help.stderr}`)
  const diff = npx('schema:diff', '--json')
  const tables = diff.status === 3 ? JSON.parse(diff.stdout).map((difference) => `${difference.kind} ${difference.table}`) : []
  if (tables.join() !== 'createTable note') problems.push(`${project}: npx veil-orm schema:diff exited ${diff.status}: ${diff.stdout}${diff.stderr}`)
  else console.log(`[package] ${project}: npx veil-orm schema:diff exited 3 with ${tables.join()}`)
  return problems
}

const root = mkdtempSync(join(tmpdir(), 'veil-orm-package-'))
try {
  // 1. Pack: `prepare` builds dist/ first, exactly as for a git URL install.
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', root], repo, true))
  const tarball = packed[0].filename
  const shipped = new Set(packed[0].files.map((file) => file.path))
  for (const required of ['LICENSE', 'README.md', 'ORM.md', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/esm/cli/bin.js', 'lib/index.ts']) {
    if (!shipped.has(required)) throw new Error(`The tarball lacks ${required}.`)
  }
  console.log(`[package] ${tarball}: ${shipped.size} files`)

  // 2. One npm root, four consumer projects as its workspaces, each depending on the tarball.
  const projects = readdirSync(fixtures)
  const dependency = { 'veil-orm': `file:../${tarball}` }
  const devDependencies = {
    'ts-esm': { typescript: manifest.devDependencies.typescript },
    'ts-cjs': { typescript: manifest.devDependencies.typescript },
    'js-esm': {},
    esbuild: { esbuild: manifest.devDependencies.esbuild },
  }
  const types = { 'ts-esm': 'module', 'ts-cjs': 'commonjs', 'js-esm': 'module', esbuild: 'module' }
  const builtSqlite = join(repo, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')
  const reuseSqlite = !process.env.PACKAGE_TEST_BUILD_SQLITE && existsSync(builtSqlite)
  const sqliteVersion = JSON.parse(readFileSync(join(repo, 'node_modules/better-sqlite3/package.json'), 'utf8')).version
  const rootManifest = { name: 'consumers', private: true, workspaces: projects, overrides: reuseSqlite ? { 'better-sqlite3': sqliteVersion } : {} }
  writeFileSync(join(root, 'package.json'), JSON.stringify(rootManifest, null, 2))
  for (const project of projects) {
    cpSync(join(fixtures, project), join(root, project), { recursive: true })
    // One TypeScript program, compiled as ES modules in ts-esm and as CommonJS in ts-cjs.
    if (project === 'ts-cjs') cpSync(join(fixtures, 'ts-esm/main.ts'), join(root, project, 'main.ts'))
    const pkg = { name: `consumer-${project}`, private: true, type: types[project], dependencies: dependency, devDependencies: devDependencies[project] }
    writeFileSync(join(root, project, 'package.json'), JSON.stringify(pkg, null, 2))
  }
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']
  if (reuseSqlite) {
    // No install script runs: esbuild's only checks its binary, better-sqlite3's is the build replaced here.
    run(npm, [...install, '--ignore-scripts'], root)
    const target = join(root, 'node_modules/better-sqlite3/build/Release')
    mkdirSync(target, { recursive: true })
    cpSync(builtSqlite, join(target, 'better_sqlite3.node'))
    console.log(`[package] better-sqlite3 ${sqliteVersion}: copied the binary built by the repository's install`)
  } else {
    run(npm, install, root)
  }

  // 3. Build and run each project; each must print the known line.
  const builds = {
    'ts-esm': [[process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']],
    'ts-cjs': [[process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']],
    'js-esm': [],
    esbuild: [[join(root, 'node_modules/.bin/esbuild'), 'main.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', '--outfile=dist/main.js']],
  }
  const entry = { 'ts-esm': 'dist/main.js', 'ts-cjs': 'dist/main.js', 'js-esm': 'main.js', esbuild: 'dist/main.js' }
  const failures = []
  for (const project of projects) {
    const cwd = join(root, project)
    for (const [command, ...args] of builds[project]) run(command, args, cwd)
    const esbuildOutput = project === 'esbuild' ? readFileSync(join(cwd, 'dist/main.js'), 'utf8') : ''
    if (esbuildOutput.includes('design:type')) failures.push('esbuild: the bundle carries decorator metadata')
    const printed = run(process.execPath, [entry[project]], cwd, true).trim()
    console.log(`[package] ${project}: ${printed}`)
    if (printed !== EXPECTED) failures.push(`${project} printed "${printed}", expected "${EXPECTED}"`)
    if (existsSync(join(cwd, 'veil.config.mjs')) || existsSync(join(cwd, 'veil.config.cjs'))) failures.push(...checkCli(project, cwd))
  }
  if (failures.length > 0) throw new Error(`Packaging test failed:\n  ${failures.join('\n  ')}`)
  console.log(`[package] all ${projects.length} consumer projects passed in ${Math.round((Date.now() - started) / 1000)}s`)
} finally {
  if (process.env.KEEP_PACKAGE_TEST) console.log(`[package] kept ${root}`)
  else rmSync(root, { recursive: true, force: true })
}
