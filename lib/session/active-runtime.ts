import { NotBootedError } from '../errors/not-booted-error.js'
import type { Runtime } from './runtime.js'

let active: Runtime | undefined

/** The runtime whose close() is running, so that refusals can say why. */
let closing: Runtime | undefined

/** @internal The booted runtime, or a NotBootedError naming what was attempted. */
export function requireRuntime(action: string): Runtime {
  if (!active) throw closing ? NotBootedError.closing(action) : NotBootedError.notBooted(action)
  return active
}

/** @internal Records the runtime whose close() is running (undefined once it is over). */
export function setClosingRuntime(runtime: Runtime | undefined): void {
  closing = runtime
}

/** @internal The booted runtime, if any. */
export function activeRuntime(): Runtime | undefined {
  return active
}

/** @internal Installs or clears the booted runtime. */
export function setActiveRuntime(runtime: Runtime | undefined): void {
  active = runtime
}
