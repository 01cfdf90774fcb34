/** One import that breaks the layering of lib/, as `checkImports()` reports it. */
export interface ImportViolation {
  /** The importing file, relative to the folder that holds lib/ (`lib/session/runtime.ts`). */
  readonly file: string
  readonly line: number
  /** The import as written (`'../schema/schema-sync.js'`). */
  readonly specifier: string
  readonly rule: 'cycle' | 'layer' | 'unresolved'
  /** The line printed by the script: file, import and rule. */
  readonly message: string
}

/** The layers of lib/, top first: a folder may import only the folders after it. */
export declare const LAYERS: readonly string[]

/** Layers that only the listed layers may import. */
export declare const ONLY_IMPORTED_BY: Readonly<Record<string, readonly string[]>>

/** Lists every import cycle and every import against the layer order under `libDir`. */
export declare function checkImports(libDir: string): ImportViolation[]
