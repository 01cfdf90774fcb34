import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: children run from there so vite-node finds vitest.config.ts. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const VITE_NODE = join(ROOT, 'node_modules/vite-node/vite-node.mjs')

/** How a child process ended, with everything it said. */
export interface ChildRun {
  readonly script: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The parent killed it because it outlived its timeout: a hang. */
  readonly timedOut: boolean
  /** Every stdout line that parsed as a JSON object, in order. */
  readonly messages: Record<string, unknown>[]
  /** stdout lines that were not JSON, and all of stderr. */
  readonly output: string
}

/** A running child: the process (to kill it) and its end. */
export interface StartedChild {
  readonly process: ChildProcess
  readonly done: Promise<ChildRun>
}

export interface ChildOptions {
  /** Environment variables for the child (the parent's environment is inherited). */
  readonly env?: Record<string, string>
  /** Past this, the child is killed with SIGKILL and the run reports `timedOut`. */
  readonly timeoutMs: number
  /** Start node with --expose-gc, so the child can force garbage collection. */
  readonly exposeGc?: boolean
  /** Called with each JSON message as it arrives. */
  readonly onMessage?: (message: Record<string, unknown>) => void
}

/**
 * Starts `tests/stress/children/<script>` in its own Node process through vite-node with the
 * project's vitest.config.ts (for the SWC decorator transform).
 */
export function startChild(script: string, options: ChildOptions): StartedChild {
  const path = join(ROOT, 'tests/stress/children', script)
  const args = [...(options.exposeGc ? ['--expose-gc'] : []), VITE_NODE, '--config', join(ROOT, 'vitest.config.ts'), path]
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const messages: Record<string, unknown>[] = []
  const output: string[] = []
  let pending = ''
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs)
  const takeLine = (line: string): void => {
    const message = parseMessage(line)
    if (!message) {
      if (line.trim() !== '') output.push(line)
      return
    }
    messages.push(message)
    options.onMessage?.(message)
  }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) takeLine(line)
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
  const done = new Promise<ChildRun>((resolveRun) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (pending) takeLine(pending)
      resolveRun({ script, code, signal, timedOut, messages, output: output.join('\n') })
    })
  })
  return { process: child, done }
}

/** Runs a child to its end. */
export function runChild(script: string, options: ChildOptions): Promise<ChildRun> {
  return startChild(script, options).done
}

function parseMessage(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const parsed: unknown = JSON.parse(line)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** A child's end and its last words, for a failure message. */
export function describeRun(run: ChildRun, lastLines = 40): string {
  const how = run.timedOut ? 'was killed after its timeout (hung)' : `exited with code ${run.code}${run.signal ? ` (signal ${run.signal})` : ''}`
  const tail = run.output.split('\n').slice(-lastLines).join('\n')
  const lastMessages = run.messages.slice(-5).map((message) => JSON.stringify(message)).join('\n')
  return `${run.script} ${how}.\nLast messages:\n${lastMessages}\nOutput:\n${tail}`
}

/** The JSON messages of one type. */
export function messagesOf(run: ChildRun, type: string): Record<string, unknown>[] {
  return run.messages.filter((message) => message.type === type)
}
