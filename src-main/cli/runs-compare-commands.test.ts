/**
 * `dnpu runs compare` and `dnpu runs rerun`, run as a user runs them (the built CLI in a child
 * process on a fresh data folder). `npm test` builds first; alone, run `npm run build` first.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, type RunComparison, type RunSummary } from '../../src-shared/ipc'
import { openDatabase, RunsRepository } from '../store'
import { dnpu, repoRoot } from './test-support'

interface TrainJson {
  runId: number
  seed: number
  status: string
  history: Record<string, number[]>
  [field: string]: unknown
}

let folder: string
const trained: TrainJson[] = []

function trainGa(seed: number, extra: string[] = []): TrainJson {
  // --stop-threshold 1.5 cannot be reached, so all 3 generations run.
  const result = dnpu([
    'train',
    'ga',
    '--task',
    'xor',
    '--generations',
    '3',
    '--seed',
    String(seed),
    '--stop-threshold',
    '1.5',
    ...extra,
    '--json',
    '--data-dir',
    folder
  ])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as TrainJson
}

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'out', 'main', 'cli.js'))) {
    throw new Error('the CLI is not built: run `npm run build` before these tests (npm test does)')
  }
  folder = mkdtempSync(join(tmpdir(), 'dnpu-compare-'))
  trained.push(trainGa(1), trainGa(2, ['--partition', '5,20']))
}, 120_000)

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true })
})

describe('dnpu runs compare', () => {
  it('prints {runs, differences, history, outputs, controls} with --json', () => {
    const [first, second] = trained
    const result = dnpu(['runs', 'compare', String(first.runId), String(second.runId), '--json', '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const comparison = JSON.parse(result.stdout) as RunComparison
    expect(Object.keys(comparison)).toEqual(['runs', 'differences', 'history', 'outputs', 'controls'])
    const listed = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout) as RunSummary[]
    expect(comparison.runs).toEqual([first.runId, second.runId].map((id) => listed.find((run) => run.id === id)))
    expect(comparison.differences).toEqual([
      {
        key: 'partition',
        values: [
          [4, 22],
          [5, 20]
        ]
      },
      { key: 'seed', values: [1, 2] }
    ])
    expect(Object.keys(comparison.history)).toEqual([String(first.runId), String(second.runId)])
    expect(comparison.history[first.runId]).toEqual({
      stepName: 'generation',
      stepUnit: 'generations',
      steps: [1, 2, 3],
      series: first.history,
      labels: { fitness: { label: 'best fitness', unit: '' }, correlation: { label: 'best correlation', unit: '' } }
    })
    expect(comparison.outputs[first.runId]).toEqual({
      outputsNanoamps: first.outputs,
      targets: [0, 1, 1, 0],
      accuracy: null
    })
    const controls = comparison.controls[second.runId]
    expect(controls.map((control) => control.volts)).toEqual(second.controlVoltages)
    expect(controls[0]).toEqual({
      electrode: 0,
      volts: expect.any(Number),
      rangeVolts: [expect.any(Number), expect.any(Number)]
    })
  })

  it('prints a table without --json: headline figures, then the settings that differ', () => {
    const [first, second] = trained
    const result = dnpu(['runs', 'compare', String(first.runId), String(second.runId), '--data-dir', folder])
    expect(result.status).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toMatch(new RegExp(`^ +run ${first.runId} +run ${second.runId}$`))
    expect(lines[1]).toMatch(/^algorithm +ga +ga$/)
    expect(result.stdout).toMatch(/\nsteps +3 generations +3 generations\n/)
    expect(result.stdout).toMatch(/\nbest fitness +-?\d\.\d{4} +-?\d\.\d{4}\n/)
    expect(result.stdout).toMatch(/\nsettings that differ:\npartition +\[4,22\] +\[5,20\]\nseed +1 +2\n$/)
  })

  it('refuses unknown, repeated and too few or too many ids, naming them (exit 2)', () => {
    const first = String(trained[0].runId)
    const database = join(folder, 'dnpu-lab.db')
    const unknown = dnpu(['runs', 'compare', first, '41', '42', '--data-dir', folder])
    expect(unknown.status).toBe(2)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toBe(`dnpu: runs compare: no run 41, 42 in ${database}\n`)
    const repeated = dnpu(['runs', 'compare', first, first, '--data-dir', folder])
    expect(repeated.status).toBe(2)
    expect(repeated.stderr).toBe(`dnpu: runs compare: run ${first} given more than once\n`)
    const one = dnpu(['runs', 'compare', first, '--data-dir', folder])
    expect(one.status).toBe(2)
    expect(one.stderr).toBe(`dnpu: runs compare: compare takes 2 to 6 runs, got 1 (${first})\n`)
    const seven = dnpu(['runs', 'compare', '1', '2', '3', '4', '5', '6', '7', '--data-dir', folder])
    expect(seven.status).toBe(2)
    expect(seven.stderr).toMatch(/compare takes 2 to 6 runs, got 7/)
    const notNumber = dnpu(['runs', 'compare', first, 'x', '--data-dir', folder])
    expect(notNumber.status).toBe(2)
    expect(notNumber.stderr).toMatch(/runs compare: a run id must be a whole number from 1, got "x"/)
  })
})

describe('dnpu runs rerun', () => {
  it('runs the stored config again as a new run: the same seed gives the same history', () => {
    const original = trained[1]
    const result = dnpu(['runs', 'rerun', String(original.runId), '--json', '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const rerun = JSON.parse(result.stdout) as TrainJson
    expect(rerun.runId).not.toBe(original.runId)
    expect(rerun.rerunOf).toBe(original.runId)
    // train --json's fields, value for value, except the run id and the time.
    const { runId: _runId, seconds: _seconds, rerunOf: _rerunOf, ...same } = rerun
    const { runId: _originalId, seconds: _originalSeconds, ...expected } = original
    expect(same).toEqual(expected)
    const shown = JSON.parse(dnpu(['runs', 'show', String(rerun.runId), '--json', '--data-dir', folder]).stdout) as {
      config: Record<string, unknown>
    }
    expect(shown.config).toMatchObject({ partition: [5, 20], seed: 2, generations: 3 })
  })

  it('takes --seed N, or --new-seed to draw and store a new one', () => {
    const original = trained[0]
    const seeded = dnpu(['runs', 'rerun', String(original.runId), '--seed', '7', '--json', '--data-dir', folder])
    expect(seeded.status).toBe(0)
    expect(JSON.parse(seeded.stdout)).toMatchObject({ seed: 7, rerunOf: original.runId, status: 'completed' })

    const fresh = dnpu(['runs', 'rerun', String(original.runId), '--new-seed', '--json', '--data-dir', folder])
    expect(fresh.status).toBe(0)
    const freshJson = JSON.parse(fresh.stdout) as TrainJson
    expect(freshJson.seed).not.toBe(original.seed)
    const listed = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout) as RunSummary[]
    expect(listed.find((run) => run.id === freshJson.runId)?.seed).toBe(freshJson.seed)

    const both = dnpu(['runs', 'rerun', String(original.runId), '--seed', '7', '--new-seed', '--data-dir', folder])
    expect(both.status).toBe(2)
    expect(both.stderr).toBe('dnpu: runs rerun: give --seed or --new-seed, not both\n')
  })

  it('prints the train summary without --json, and refuses an unknown run (exit 2)', () => {
    const text = dnpu(['runs', 'rerun', String(trained[0].runId), '--data-dir', folder])
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^re-running run ${trained[0].runId} as a new run with seed 1\\n`))
    const missing = dnpu(['runs', 'rerun', '42', '--data-dir', folder])
    expect(missing.status).toBe(2)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toBe(`dnpu: runs rerun: no run 42 in ${join(folder, 'dnpu-lab.db')}\n`)
    const surrogateOnPort = dnpu([
      'runs',
      'rerun',
      String(trained[0].runId),
      '--port',
      '/dev/null',
      '--data-dir',
      folder
    ])
    expect(surrogateOnPort.status).toBe(2)
    expect(surrogateOnPort.stderr).toMatch(/ran on the surrogate; --port is only for a run on the device/)
  })

  it('asks for --port to run a device run again (exit 2)', async () => {
    // A stored run on the device, written straight into the database (no instrument here).
    const database = await openDatabase(join(folder, 'dnpu-lab.db'))
    const deviceRunId = new RunsRepository(database).createRun({
      algorithm: 'ga',
      task: 'xor',
      modelId: 'demo',
      config: { ...DEFAULT_GA_CONFIG, modelId: 'demo', seed: 3, processor: 'device' },
      seed: 3,
      computeBackend: 'wasm',
      appVersion: '0.0.0-test',
      controlElectrodes: [0, 3, 4, 5, 6],
      targets: [0, 1, 1, 0]
    })
    database.close()
    const result = dnpu(['runs', 'rerun', String(deviceRunId), '--data-dir', folder])
    expect(result.status).toBe(2)
    expect(result.stderr).toBe(
      `dnpu: runs rerun: run ${deviceRunId} ran on the device: pass --port PATH (and --baud, --profile as train ga does) to run it again on the instrument\n`
    )
  })
})
