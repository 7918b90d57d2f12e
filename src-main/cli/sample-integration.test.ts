/**
 * `dnpu sample` over the real serial path: `dnpu sim --pty` (socat) as the device, the built CLI
 * on the other end. Checks the dataset in the SQLite file the CLI wrote, and what the simulated
 * instrument logged of every stream it was sent. Nothing is mocked.
 */
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { buildSamplingChunk } from '../core'
import type { DatasetDetail } from '../services/sampling-service'
import {
  calibrate,
  dnpu,
  expectInsideCalibration,
  hasSocat,
  launcher,
  repoRoot,
  simulatorLog,
  uploads,
  useBuiltCli,
  useSimulators
} from './test-support'

const freshFolder = useBuiltCli('dnpu-sample-')
const startSimulator = useSimulators()

/** The stored chunks, read from the CLI's database file. */
function storedChunks(data: string, datasetId: number): { index: number; inputs: Float32Array; samples: number }[] {
  const db = new BetterSqlite3(join(data, 'dnpu-lab.db'), { readonly: true })
  try {
    return db
      .prepare<[number], { chunk_index: number; inputs_f32: Buffer; sample_count: number }>(
        'SELECT chunk_index, inputs_f32, sample_count FROM dataset_chunks WHERE dataset_id = ? ORDER BY chunk_index'
      )
      .all(datasetId)
      .map((row) => {
        const bytes = new Uint8Array(row.inputs_f32)
        return { index: row.chunk_index, inputs: new Float32Array(bytes.buffer), samples: row.sample_count }
      })
  } finally {
    db.close()
  }
}

/** Each stored chunk holds exactly the inputs the session's settings give for its index (same phases, same time). */
function expectChunksOfSettings(data: string, dataset: DatasetDetail): void {
  const s = dataset.settings
  const sampling = {
    rangesVolts: s.electrodeRangesVolts,
    sampleRateHz: s.sampleRateHz,
    frequencyFactor: s.frequencyFactor,
    phasesRadians: s.phasesRadians,
    chunkSamples: s.chunkSamples,
    rampSamples: s.rampSamples
  }
  const chunks = storedChunks(data, dataset.id)
  expect(chunks.map((c) => c.index)).toEqual(Array.from({ length: dataset.chunkCountTarget }, (_, i) => i))
  for (const chunk of chunks) expect(chunk.inputs).toEqual(buildSamplingChunk(sampling, chunk.index).inputsVolts)
}

describe.skipIf(!hasSocat)('dnpu sample over a real PTY (socat)', () => {
  it('refuses an uncalibrated device, then samples a session into a complete dataset, every stream inside the calibration', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder)

    const refused = dnpu(['sample', '--port', port, '--duration', '1', '--data-dir', data])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('cannot sample the device: device profile')
    expect(refused.stderr).toContain(`has no calibration; calibrate it first`)
    expect(uploads(log)).toEqual([])

    const ranges = calibrate(port, data)
    const calibrationUploads = uploads(log).length
    const sample = dnpu(['sample', '--port', port, '--duration', '2', '--chunk-seconds', '0.5', '--data-dir', data])
    expect(sample.status, sample.stderr).toBe(0)
    const progress = sample.stderr.trim().split('\n')
    expect(progress[0]).toMatch(
      /^dataset 1: 4 chunks of 500 samples at 1000 Hz, frequency factor [\d.]+ \(lowered from 0\.001 for the slew limit\)$/
    )
    expect(progress.at(-1)).toMatch(/^sampled 4\/4 chunks, about 0 s left$/)
    expect(sample.stdout).toMatch(
      /^dataset 1: complete, 4 of 4 chunks\n {2}samples kept: {5}(\d+) \((\d+) clipped dropped of 2000 sampled\)\n/
    )

    const shown = JSON.parse(dnpu(['datasets', 'show', '1', '--json', '--data-dir', data]).stdout) as DatasetDetail
    expect(shown).toMatchObject({ id: 1, status: 'complete', chunksStored: 4, chunkCountTarget: 4, sampleCount: 2000 })
    expect(shown.keptCount + shown.clippedCount).toBe(2000)
    expect(shown.settings.electrodeRangesVolts).toEqual(ranges)
    expectChunksOfSettings(data, shown)

    // One acquisition per chunk: 500 samples and two ramps of 400; none outside the calibration.
    const sampling = uploads(log).slice(calibrationUploads)
    expect(sampling.map((u) => u.samplesPerChannel)).toEqual([1300, 1300, 1300, 1300])
    expectInsideCalibration(sampling, ranges)
    // The command ended with ABOR: every output at 0 V.
    const last = simulatorLog(log).at(-1)!
    expect(last).toMatchObject({ kind: 'outputs', event: 'abort', toVolts: [0, 0, 0, 0, 0, 0, 0] })

    const list = dnpu(['datasets', 'list', '--data-dir', data])
    expect(list.stdout).toMatch(
      /^dataset 1 {2}complete {5}4\/4 chunks {2}\d+ samples kept, \d+ clipped dropped {2}profile 1, calibration 1 /
    )
  })

  it('a pulled cable leaves the dataset interrupted with its complete chunks; --resume completes it, no chunk lost or doubled', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    // 7 calibration sweeps, then 2 chunks before the link drops (at acquisition 10).
    const first = await startSimulator(folder, ['--fault', 'disconnect-after=9'])
    const ranges = calibrate(first.port, data)
    const cut = dnpu(['sample', '--port', first.port, '--duration', '3', '--data-dir', data])
    expect(cut.status).toBe(1)
    expect(cut.stderr.trim().split('\n').at(-1)).toMatch(
      /^dnpu: dataset 1 interrupted: the instrument connection was lost: .*(closed|unplugged).*; its complete chunks are stored: resume with dnpu sample --port PATH --resume 1$/
    )
    const interrupted = JSON.parse(
      dnpu(['datasets', 'show', '1', '--json', '--data-dir', data]).stdout
    ) as DatasetDetail
    expect(interrupted).toMatchObject({
      status: 'interrupted',
      chunksStored: 2,
      chunkCountTarget: 6,
      sampleCount: 1000
    })
    expect(storedChunks(data, 1).map((c) => c.index)).toEqual([0, 1])

    // The box comes back (a new simulator process, the same instrument identity) on another port.
    const replugged = join(folder, 'replugged')
    mkdirSync(replugged)
    const second = await startSimulator(replugged)
    const resumed = dnpu(['sample', '--port', second.port, '--resume', '1', '--json', '--data-dir', data])
    expect(resumed.status, resumed.stderr).toBe(0)
    const complete = JSON.parse(resumed.stdout) as DatasetDetail
    expect(complete).toMatchObject({
      id: 1,
      status: 'complete',
      chunksStored: 6,
      chunkCountTarget: 6,
      sampleCount: 3000
    })
    expectChunksOfSettings(data, complete)
    // The second instrument played exactly the 4 missing chunks, inside the calibration.
    const replayed = uploads(second.log)
    expect(replayed).toHaveLength(4)
    expectInsideCalibration([...uploads(first.log).slice(7), ...replayed], ranges)

    const again = dnpu(['sample', '--port', second.port, '--resume', '1', '--data-dir', data])
    expect(again).toMatchObject({ status: 2, stderr: 'dnpu: sample: dataset 1 is complete: nothing to resume\n' })
    const unknown = dnpu(['sample', '--port', second.port, '--resume', '7', '--data-dir', data])
    expect(unknown).toMatchObject({ status: 2, stderr: 'dnpu: sample --resume: no dataset 7\n' })
  })

  it('Ctrl+C pauses the session after the chunk being played, with the outputs at 0 V', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder)
    calibrate(port, data)
    // 240 chunks: the signal, sent once the first is stored, arrives long before the last.
    const child = spawn(
      process.execPath,
      [launcher, 'sample', '--port', port, '--duration', '120', '--data-dir', data],
      {
        cwd: repoRoot
      }
    )
    let stderr = ''
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.stderr.on('data', (chunk: Buffer) => {
      const before = stderr
      stderr += chunk.toString()
      if (!before.includes('sampled 1/240') && stderr.includes('sampled 1/240')) child.kill('SIGINT')
    })
    expect(await exited, stderr).toBe(130)
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      /^dnpu: dataset 1 paused after \d+ of 240 chunks: resume with dnpu sample --port PATH --resume 1$/
    )
    const paused = JSON.parse(dnpu(['datasets', 'show', '1', '--json', '--data-dir', data]).stdout) as DatasetDetail
    expect(paused.status).toBe('paused')
    expect(paused.chunksStored).toBeGreaterThanOrEqual(1)
    expect(paused.chunksStored).toBeLessThan(240)
    expect(storedChunks(data, 1).map((c) => c.index)).toEqual(Array.from({ length: paused.chunksStored }, (_, i) => i))
    expect(simulatorLog(log).at(-1)).toMatchObject({ kind: 'outputs', event: 'abort', toVolts: [0, 0, 0, 0, 0, 0, 0] })
  })
})

describe('dnpu sample and datasets: refusals before any instrument is opened', () => {
  it('names the bad option or id, exit 2', () => {
    const data = join(freshFolder(), 'data')
    expect(dnpu(['sample', '--port', '/nonexistent', '--duration', '-1', '--data-dir', data])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--duration must be a number > 0, got "-1"')
    })
    expect(dnpu(['sample', '--port', '/nonexistent', '--resume', 'one', '--data-dir', data])).toMatchObject({
      status: 2,
      stderr: 'dnpu: sample --resume: the dataset id must be a whole number, got "one"\n'
    })
    expect(dnpu(['sample', '--port', '/nonexistent', '--resume', '3', '--data-dir', data])).toMatchObject({
      status: 2,
      stderr: `dnpu: sample --resume: no dataset 3 (there is no database in ${data})\n`
    })
    expect(dnpu(['datasets', 'list', '--data-dir', data]).stdout).toBe(
      'no datasets yet: sample one with dnpu sample --port PATH\n'
    )
    expect(dnpu(['datasets', 'show', '4', '--data-dir', data])).toMatchObject({
      status: 2,
      stderr: 'dnpu: datasets show: no dataset 4\n'
    })
  })
})
