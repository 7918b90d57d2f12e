/**
 * A fourth algorithm is its trainer and its descriptor, nothing else: a toy "random search"
 * (test-only, in __fixtures__/random-search: a core trainer, the plain descriptor, the worker and
 * main halves) is registered, runs through the real TrainingService and trainer loop (in-process
 * MessageChannel), records its steps in the store, and shows with its own step name ("sample")
 * in `dnpu runs list`, `runs show` and `runs export`. The CLI commands are called in this process
 * (the built CLI in a child process cannot see a test-only algorithm), through the same command
 * functions the `dnpu` program calls.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { registerAlgorithm } from '../../../src-shared/domain'
import type { TrainingConfig, TrainingProgressEvent } from '../../../src-shared/ipc'
import { runRunsList } from '../../cli/runs-list-command'
import type { CliContext } from '../../cli/program'
import { runRunsExport, runRunsShow } from '../../cli/runs-commands'
import { registerRunner } from '../../workers/algorithm-runners'
import { servicesOnTempFolder, RESOURCES_FOLDER } from '../test-support'
import { randomSearchAlgorithm } from './__fixtures__/random-search/random-search-descriptor'
import {
  randomSearchRunner,
  randomSearchService,
  type RandomSearchConfig
} from './__fixtures__/random-search/random-search-main'
import { registerServiceAlgorithm } from '.'

// The trainer worker entry loads through electron-vite's `?nodeWorker`, which only the build knows; the
// commands below only read runs (the run itself trains on the in-process trainer).
vi.mock('../../workers/spawn-trainer', () => ({
  spawnTrainerWorker: () => {
    throw new Error('no worker threads in this test')
  }
}))

const SAMPLES = 12

const unregister: (() => void)[] = []
let dataFolder: string
let cleanup: () => Promise<void>
let runId: number
const progress: TrainingProgressEvent[] = []

/** What a CLI command writes to stdout. */
async function stdoutOf(command: () => Promise<void>): Promise<string> {
  const chunks: string[] = []
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk))
    return true
  })
  try {
    await command()
  } finally {
    spy.mockRestore()
  }
  return chunks.join('')
}

const context: CliContext = {
  version: '0.0.0-test',
  resourcesFolder: RESOURCES_FOLDER,
  rendererFolder: ''
} as CliContext

beforeAll(async () => {
  unregister.push(
    registerAlgorithm(randomSearchAlgorithm),
    registerRunner(randomSearchRunner),
    registerServiceAlgorithm(randomSearchService)
  )
  const opened = await servicesOnTempFolder()
  dataFolder = opened.dataFolder
  cleanup = opened.cleanup
  const { services } = opened
  services.training.on('progress', (event) => progress.push(event))
  const config: RandomSearchConfig = {
    algorithm: 'random-search',
    task: 'xor',
    modelId: 'demo',
    dataElectrodes: [1, 2],
    inputRange: [-1, 1],
    samples: SAMPLES,
    seed: 5
  }
  runId = services.training.start(config as unknown as TrainingConfig).runId
  await services.training.whenIdle()
  // The services close their database: the CLI commands below open their own, as `dnpu` does.
  await services.close()
}, 120_000)

afterAll(async () => {
  for (const undo of unregister) undo()
  await cleanup?.()
})

describe('a toy random search, declared only by its descriptor (test-only algorithm; CLI commands called in-process)', () => {
  it('runs, emits one progress event per sample and records every step', async () => {
    expect(progress).toHaveLength(SAMPLES)
    expect(progress.map((event) => (event as unknown as { sample: number }).sample)).toEqual(
      Array.from({ length: SAMPLES }, (_, i) => i + 1)
    )
    const json = JSON.parse(
      await stdoutOf(() => runRunsShow(context, String(runId), { dataDir: dataFolder, json: true }))
    ) as Record<string, unknown> & {
      recordedSteps: { step: number; values: Record<string, number> }[]
      history: { correlation: number[] }
    }
    expect(json).toMatchObject({
      id: runId,
      algorithm: 'random-search',
      status: 'completed',
      steps: SAMPLES,
      generations: SAMPLES,
      stepName: 'sample',
      stepUnit: 'samples'
    })
    expect(json.recordedSteps.map((step) => step.step)).toEqual(Array.from({ length: SAMPLES }, (_, i) => i + 1))
    // The best so far never falls, and the run's best is the best sample's.
    const best = json.recordedSteps.map((step) => step.values.bestCorrelation)
    expect(best).toEqual([...best].sort((a, b) => a - b))
    expect(json.bestCorrelation).toBe(best.at(-1))
    expect(json.history.correlation).toEqual(json.recordedSteps.map((step) => step.values.correlation))
    expect((json.bestControlVoltages as number[]).length).toBe(5)
  })

  it('shows in `runs list` counted in samples', async () => {
    const text = await stdoutOf(() => runRunsList({ dataDir: dataFolder }))
    const row = text.split('\n').find((line) => line.startsWith(String(runId)))
    expect(row).toMatch(/ RS +xor +demo +completed +12 samples /)
    const listed = JSON.parse(await stdoutOf(() => runRunsList({ dataDir: dataFolder, json: true }))) as Record<
      string,
      unknown
    >[]
    expect(listed).toMatchObject([
      { id: runId, steps: SAMPLES, generations: SAMPLES, stepName: 'sample', stepUnit: 'samples' }
    ])
  })

  it('shows in `runs show` with its step name and headline figure', async () => {
    const text = await stdoutOf(() => runRunsShow(context, String(runId), { dataDir: dataFolder }))
    expect(text).toMatch(new RegExp(`^run ${runId}: RS on xor, completed\\n`))
    expect(text).toMatch(/\nsamples: +12\n/)
    expect(text).toMatch(/\nbest correlation: -?\d\.\d{4}\n/)
  })

  it('exports one CSV row per sample, and says so', async () => {
    const csv = await stdoutOf(() => runRunsExport(context, String(runId), { format: 'csv', dataDir: dataFolder }))
    const [header, ...rows] = csv.trimEnd().split('\n')
    expect(header).toBe('sample,correlation,best_correlation')
    expect(rows.map((row) => Number(row.split(',')[0]))).toEqual(Array.from({ length: SAMPLES }, (_, i) => i + 1))
    const file = join(dataFolder, 'export.csv')
    const said = await stdoutOf(() =>
      runRunsExport(context, String(runId), { format: 'csv', dataDir: dataFolder, output: file })
    )
    expect(said).toBe(`wrote run ${runId} (12 samples) as CSV to ${file}\n`)
    expect(readFileSync(file, 'utf8')).toBe(csv)
  })
})
