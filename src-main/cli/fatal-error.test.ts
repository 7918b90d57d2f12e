/**
 * A fatal error in main during a run on the instrument, end to end: `dnpu sim --pty` (socat
 * makes the PTY pair), the built `dnpu train ga --port` and `dnpu serve` as child processes,
 * the fault injected by the test-only DNPU_TEST_FAULT switch. The simulator's log is the
 * witness of what reached the instrument, the database of what was recorded.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { DEFAULT_GA_CONFIG, type WsServerMessage } from '../../src-shared/ipc'
import { dnpu, hasSocat, launcher, repoRoot, simulatorLog, useBuiltCli, useSimulators, waitFor } from './test-support'

const freshFolder = useBuiltCli('dnpu-fatal-')
const startSimulator = useSimulators()

function calibrate(port: string, data: string): void {
  const result = dnpu(['calibrate', '--port', port, '--points', '12', '--json', '--data-dir', data])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
}

/**
 * Waits until the instrument's last logged command is an ABOR (it reads the PTY on its own
 * schedule, after the host may have exited) and returns the log. An ABOR that never comes
 * fails here, after the wait's deadline.
 */
async function logEndingWithAbort(log: string, afterLines: number): Promise<Record<string, unknown>[]> {
  await waitFor(() => {
    const lines = simulatorLog(log)
    return lines.length > afterLines && lines.at(-1)!.event === 'abort'
  }, 15_000)
  return simulatorLog(log)
}

function storedRun(data: string, runId: number): Record<string, unknown> {
  const shown = dnpu(['runs', 'show', String(runId), '--json', '--data-dir', data])
  expect(shown.status, shown.stderr).toBe(0)
  return JSON.parse(shown.stdout) as Record<string, unknown>
}

const zeros = [0, 0, 0, 0, 0, 0, 0]

describe.skipIf(!hasSocat)('a fatal error in main during a run on the instrument (real PTY, real processes)', () => {
  for (const [what, fault] of [
    ['an uncaught exception', 'throw-after-steps:3'],
    ['an unhandled rejection', 'reject-after-steps:3']
  ] as const) {
    it(`${what} after 3 generations: ABOR is the instrument's last command, outputs at 0 V, one line, exit 70, the run interrupted and resumable`, async () => {
      const folder = freshFolder()
      const data = join(folder, 'data')
      const { port, log } = await startSimulator(folder)
      calibrate(port, data)
      const linesBeforeTraining = simulatorLog(log).length

      const train = dnpu(
        [
          'train',
          'ga',
          '--task',
          'xor',
          '--port',
          port,
          '--seed',
          '3',
          '--stop-threshold',
          '2',
          '--generations',
          '8',
          '--data-dir',
          data
        ],
        60_000,
        {
          DNPU_TEST_FAULT: fault
        }
      )
      expect(train.status, train.stderr).toBe(70)
      expect(train.stderr).toBe(
        `dnpu: fatal error: injected test fault (DNPU_TEST_FAULT=${fault}); the instrument was sent ABOR (outputs to 0 V) and run 1 was marked interrupted\n`
      )
      expect(train.stdout).toBe('')

      const lines = await logEndingWithAbort(log, linesBeforeTraining)
      const training = lines.slice(linesBeforeTraining)
      // The run measured on the instrument (3 generations at least), then ABOR came last.
      expect(training.filter((line) => line.outcome === 'accepted').length).toBeGreaterThanOrEqual(3)
      expect(training.at(-1)).toMatchObject({ kind: 'outputs', event: 'abort', toVolts: zeros })

      const run = storedRun(data, 1)
      expect(run).toMatchObject({
        status: 'interrupted',
        generations: 3,
        resumable: true,
        error: `DNPU Lab stopped on a fatal error: injected test fault (DNPU_TEST_FAULT=${fault})`
      })

      // Its checkpoint is intact: the run continues on the instrument and completes.
      const resumed = dnpu(['runs', 'resume', '1', '--port', port, '--json', '--data-dir', data])
      expect(resumed.status, resumed.stderr).toBe(0)
      expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 1, status: 'completed', generations: 8 })
    })
  }

  it('dnpu serve: a run started over the WebSocket, then an uncaught exception: ABOR last, one line, exit 70, the run interrupted', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder)
    calibrate(port, data)
    const linesBeforeTraining = simulatorLog(log).length

    const serve = spawn(process.execPath, [launcher, 'serve', '--port', '0', '--data-dir', data], {
      cwd: repoRoot,
      env: { ...process.env, DNPU_TEST_FAULT: 'throw-after-steps:3' }
    })
    let stdout = ''
    let stderr = ''
    serve.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    serve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exitCode = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)))
    try {
      await waitFor(() => /running at (http:\/\/\S+)/.test(stdout) || serve.exitCode !== null, 30_000)
      const url = new URL(/running at (http:\/\/\S+)/.exec(stdout)![1]!)
      const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, { origin: url.origin })
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      ws.on('error', () => undefined)
      let nextId = 1
      const request = (channel: string, body: unknown): Promise<{ ok: boolean; value?: unknown; error?: string }> => {
        const id = nextId++
        return new Promise((resolve) => {
          const onMessage = (raw: WebSocket.RawData) => {
            const message = JSON.parse(raw.toString()) as WsServerMessage
            if (message.kind === 'response' && message.id === id) {
              ws.off('message', onMessage)
              resolve(message.envelope as { ok: boolean; value?: unknown; error?: string })
            }
          }
          ws.on('message', onMessage)
          ws.send(JSON.stringify({ kind: 'request', id, channel, request: body }))
        })
      }
      expect(await request('device:connect', { path: port })).toMatchObject({ ok: true })
      const started = await request('training:start', {
        ...DEFAULT_GA_CONFIG,
        modelId: 'demo',
        processor: 'device',
        generations: 1000,
        stopThreshold: 2,
        seed: 3
      })
      expect(started).toEqual({ ok: true, value: { runId: 1 } })

      expect(await exitCode).toBe(70)
      ws.terminate()
    } finally {
      if (serve.exitCode === null) serve.kill('SIGKILL')
    }
    // Its start-up lines, then the one line of the fatal error.
    expect(stderr.trim().split('\n').at(-1)).toBe(
      'dnpu: fatal error: injected test fault (DNPU_TEST_FAULT=throw-after-steps:3); the instrument was sent ABOR (outputs to 0 V) and run 1 was marked interrupted'
    )
    expect(stderr.match(/^dnpu:/gm)).toHaveLength(1)

    const lines = await logEndingWithAbort(log, linesBeforeTraining)
    expect(lines.at(-1)).toMatchObject({ kind: 'outputs', event: 'abort', toVolts: zeros })
    expect(storedRun(data, 1)).toMatchObject({ status: 'interrupted', generations: 3, resumable: true })
  })
})
