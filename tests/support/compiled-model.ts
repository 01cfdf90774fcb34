import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import { afterAll } from 'vitest'

/**
 * Compiles model source with the real TypeScript compiler, as users compile it (decorator metadata
 * on, ES2022), with `useDefineForClassFields` on or off: vitest itself compiles tests with SWC.
 */
export function transpileModel(source: string, useDefineForClassFields: boolean): string {
  return ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields,
    },
  }).outputText
}

let tempDir: string | undefined

/**
 * Compiles `source` (a module exporting `make`) with {@link transpileModel} and imports it from a
 * temporary file, removed after the test file; returns its `make`.
 */
export async function importModel<Make>(source: string, useDefineForClassFields: boolean, name: string): Promise<Make> {
  if (!tempDir) {
    const dir = mkdtempSync(join(tmpdir(), 'veil-orm-compiled-'))
    tempDir = dir
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
  }
  const file = join(tempDir, `${name}-define-${useDefineForClassFields}.mjs`)
  writeFileSync(file, transpileModel(source, useDefineForClassFields))
  return ((await import(pathToFileURL(file).href)) as { make: Make }).make
}
