/**
 * Test helpers for the CLI tests: the built `dnpu` command run as a user runs it (a child
 * process), fresh data folders removed after each test, and the simulated instrument on a real
 * PTY (`dnpu sim --pty`). `npm test` builds before it runs the tests; alone, run
 * `npm run build` first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeAll, expect } from 'vitest'

export const repoRoot = resolve(import.meta.dirname, '..', '..')
export const launcher = join(repoRoot, 'bin', 'dnpu.js')

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the built CLI; `env` adds to (or, with undefined, removes from) this process's environment. */
export function dnpu(args: string[], timeoutMs = 180_000, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [launcher, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ...env }
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/**
 * Registers the suite's hooks: refuse to run without a built CLI, and remove every folder
 * `freshDataFolder` made once each test ends. Returns `freshDataFolder`.
 */
export function useBuiltCli(prefix: string): () => string {
  const folders: string[] = []
  beforeAll(() => {
    if (!existsSync(join(repoRoot, 'out', 'main', 'cli.js'))) {
      throw new Error('the CLI is not built: run `npm run build` before these tests (npm test does)')
    }
  })
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
  })
  return () => {
    const folder = mkdtempSync(join(tmpdir(), prefix))
    folders.push(folder)
    return folder
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 150_000, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs))
  }
}

// ---- the simulated instrument on a real PTY ----------------------------------------------------

/** socat makes the PTY pair of `dnpu sim --pty`; the tests that need it are skipped without it. */
export const hasSocat = spawnSync('socat', ['-V']).status === 0

/**
 * Registers the hook that stops every simulator a test started; returns `startSimulator`, which
 * starts `dnpu sim --pty` (no waiting, logging to a file in `folder`) and resolves once it
 * prints READY.
 */
export function useSimulators(): (folder: string, extra?: string[]) => Promise<{ port: string; log: string }> {
  if (!hasSocat) console.warn('device integration tests skipped: socat is not installed (apt-get install socat)')
  const simulators: ChildProcess[] = []
  afterEach(async () => {
    for (const sim of simulators.splice(0)) {
      if (sim.exitCode !== null || sim.signalCode !== null) continue
      const exited = new Promise((resolve) => sim.once('exit', resolve))
      sim.kill('SIGINT')
      await exited
    }
  })
  return async (folder, extra = []) => {
    const port = join(folder, 'dnpu-port')
    const log = join(folder, 'uploads.jsonl')
    const sim = spawn(process.execPath, [launcher, 'sim', '--pty', port, '--speed', 'inf', '--log', log, ...extra], {
      cwd: repoRoot
    })
    simulators.push(sim)
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${output}`)), 20_000)
      sim.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes(`READY ${port}`)) {
          clearTimeout(timer)
          resolve()
        }
      })
      sim.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      sim.once('exit', (code) => reject(new Error(`the simulator exited (${code}): ${output}`)))
    })
    return { port, log }
  }
}

/** Every line of the simulator's log, parsed: upload lines have no `kind`, the others say theirs. */
export function simulatorLog(log: string): Record<string, unknown>[] {
  const text = readFileSync(log, 'utf8').trim()
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
}

// What the sampling and surrogate integration tests share: the simulator's upload lines, a
// calibration over the CLI, and the check that every stream stayed inside it.

export interface UploadLine {
  outcome: 'accepted' | 'rejected'
  samplesPerChannel: number
  minVolts: number[]
  maxVolts: number[]
  firstVolts: number[]
  lastVolts: number[]
}

export function uploads(log: string): UploadLine[] {
  return simulatorLog(log).filter((line) => !('kind' in line)) as unknown as UploadLine[]
}

export function calibrate(port: string, data: string): [number, number][] {
  const result = dnpu(['calibrate', '--port', port, '--points', '12', '--json', '--data-dir', data])
  expect(result.status, result.stderr).toBe(0)
  const { electrodes } = JSON.parse(result.stdout) as { electrodes: { suggestedRange: [number, number] }[] }
  return electrodes.map((e) => e.suggestedRange)
}

/** Every sampling upload stayed inside the calibration, started and ended at 0 V, and was accepted. */
export function expectInsideCalibration(sampling: UploadLine[], ranges: [number, number][]): void {
  for (const upload of sampling) {
    expect(upload.outcome).toBe('accepted')
    ranges.forEach(([min, max], electrode) => {
      expect(upload.minVolts[electrode]).toBeGreaterThanOrEqual(Math.fround(min))
      expect(upload.maxVolts[electrode]).toBeLessThanOrEqual(Math.fround(max))
      expect(upload.firstVolts[electrode]).toBe(0)
      expect(upload.lastVolts[electrode]).toBe(0)
    })
  }
}
