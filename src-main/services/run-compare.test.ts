import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GA_CONFIG,
  DEFAULT_GD_CONFIG,
  type RunDetail,
  type TrainingConfig
} from '../../src-shared/ipc'
import type { AppServices } from './app-services'
import { compareRuns, rerunConfig, type RunCompareSources } from './run-compare'
import { servicesOnTempFolder } from './test-support'

const xor = { ...DEFAULT_GA_CONFIG, modelId: 'demo', generations: 3, stopThreshold: 1.5 }
const ring = {
  ...DEFAULT_GD_CONFIG,
  modelId: 'demo',
  ring: { ...DEFAULT_GD_CONFIG.ring, sampleCount: 200 },
  epochs: 3
}
const capacity = {
  ...DEFAULT_CAPACITY_CONFIG,
  modelId: 'demo',
  fromN: 4,
  toN: 4,
  attempts: 1,
  generations: 3
}

// Four real runs on the demo surrogate, shared: training is the slow part, comparing is not.
let services: AppServices
let cleanup: () => Promise<void>
const ids = { ga1: 0, ga2: 0, gd: 0, capacity: 0 }

async function train(config: TrainingConfig): Promise<number> {
  const { runId } = services.training.start(config)
  await services.training.whenIdle()
  return runId
}

beforeAll(async () => {
  const env = await servicesOnTempFolder()
  services = env.services
  cleanup = env.cleanup
  ids.ga1 = await train({ ...xor, seed: 1 })
  ids.ga2 = await train({ ...xor, seed: 2, partition: [5, 20] })
  ids.gd = await train({ ...ring, seed: 3 })
  ids.capacity = await train({ ...capacity, seed: 4 })
}, 60_000)

afterAll(async () => {
  await cleanup?.()
})

describe('compareRuns', () => {
  it('lists only the settings that differ, arrays as one value, with each run summary', () => {
    const comparison = compareRuns(services, [ids.ga1, ids.ga2])
    expect(comparison.runs.map((run) => run.id)).toEqual([ids.ga1, ids.ga2])
    expect(comparison.runs[0]).toEqual(services.runs.listRuns().find((run) => run.id === ids.ga1))
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
  })

  it('flattens nested settings and counts a key one run lacks as different (null)', () => {
    const { differences } = compareRuns(services, [ids.ga1, ids.gd])
    const keys = differences.map((difference) => difference.key)
    // The first run's key order, then the second run's new keys.
    expect(keys.slice(0, 3)).toEqual(['algorithm', 'task', 'partition'])
    expect(keys).toContain('ring.split.train')
    expect(keys).not.toContain('ring')
    expect(keys).not.toContain('modelId')
    expect(keys).not.toContain('dataElectrodes')
    expect(differences.find((d) => d.key === 'ring.split.train')).toEqual({
      key: 'ring.split.train',
      values: [null, 0.7]
    })
    expect(differences.find((d) => d.key === 'generations')).toEqual({ key: 'generations', values: [3, null] })
    expect(keys.indexOf('generations')).toBeLessThan(keys.indexOf('ring.sampleCount'))
  })

  it("gives each algorithm's history from its descriptor, labelled, with outputs and controls", () => {
    const comparison = compareRuns(services, [ids.ga1, ids.gd, ids.capacity])
    const ga = services.runs.getRun(ids.ga1)!
    expect(comparison.history[ids.ga1]).toEqual({
      stepName: 'generation',
      stepUnit: 'generations',
      steps: [1, 2, 3],
      series: {
        fitness: ga.metrics.map((m) => m.bestFitness),
        correlation: ga.metrics.map((m) => m.bestCorrelation)
      },
      labels: { fitness: { label: 'best fitness', unit: '' }, correlation: { label: 'best correlation', unit: '' } }
    })
    expect(comparison.history[ids.gd].steps).toEqual([1, 2, 3])
    expect(Object.keys(comparison.history[ids.gd].series)).toEqual(['trainLoss', 'valLoss'])
    expect(comparison.history[ids.gd].stepName).toBe('epoch')
    expect(comparison.history[ids.capacity]).toMatchObject({ stepName: 'labeling', steps: [] })
    expect(comparison.history[ids.capacity].series.n).toEqual([4])

    expect(comparison.outputs[ids.ga1]).toEqual({
      outputsNanoamps: ga.bestOutputsNanoamps,
      targets: [0, 1, 1, 0],
      accuracy: null
    })
    const gd = services.runs.getRun(ids.gd)!
    expect(comparison.outputs[ids.gd]?.accuracy).toEqual(gd.accuracy)
    expect(comparison.outputs[ids.gd]?.targets).toHaveLength(30)
    expect(comparison.outputs[ids.capacity]).toBeNull()

    const ranges = services.models.get('demo')!.summary.voltageRangesVolts
    expect(comparison.controls[ids.ga1]).toEqual(
      ga.bestControlVoltages!.map((volts, index) => ({
        electrode: ga.controlElectrodes[index],
        volts,
        rangeVolts: ranges[ga.controlElectrodes[index]]
      }))
    )
    expect(comparison.controls[ids.capacity]).toEqual([])
  })

  it('refuses fewer than 2 or more than 6 runs, repeated ids and unknown ids, naming them', () => {
    expect(() => compareRuns(services, [ids.ga1])).toThrow(`runIds: compare takes 2 to 6 runs, got 1 (${ids.ga1})`)
    expect(() => compareRuns(services, [1, 2, 3, 4, 5, 6, 7])).toThrow('compare takes 2 to 6 runs, got 7')
    expect(() => compareRuns(services, [ids.ga1, ids.gd, ids.ga1])).toThrow(
      `runIds: run ${ids.ga1} given more than once`
    )
    expect(() => compareRuns(services, [ids.ga1, 41, 42])).toThrow('runIds: no run 41, 42')
  })
})

describe('compareRuns on stored records', () => {
  function record(id: number, config: RunDetail['config'], extra: Partial<RunDetail> = {}): RunDetail {
    return {
      ...services.runs.getRun(ids.ga1)!,
      id,
      config,
      ...extra
    }
  }
  function sourcesOf(runs: RunDetail[], hashes: Record<string, string> = {}): RunCompareSources {
    return {
      runReader: { find: (runId) => runs.find((run) => run.id === runId) ?? null },
      models: { get: (modelId) => services.models.get(modelId), sourceSha256: (modelId) => hashes[modelId] ?? null }
    }
  }

  it('compares nested simulation options, model hashes, devices, versions and backends', () => {
    const base = { ...xor, seed: 1 }
    const runs = [
      record(1, base),
      record(
        2,
        { ...base, modelId: '3', simulation: { noiseStdNanoamps: 0.5 } },
        {
          modelId: '3',
          appVersion: '0.2.0',
          computeBackend: 'another-backend',
          device: { profileId: 2, calibrationId: 5, rangesVolts: [[-1, 1]] }
        }
      )
    ]
    const { differences, controls } = compareRuns(sourcesOf(runs, { '3': 'ab'.repeat(32) }), [1, 2])
    expect(differences).toEqual([
      { key: 'modelId', values: ['demo', '3'] },
      { key: 'simulation.noiseStdNanoamps', values: [null, 0.5] },
      { key: 'modelHash', values: [null, 'ab'.repeat(32)] },
      { key: 'device.profileId', values: [null, 2] },
      { key: 'device.calibrationId', values: [null, 5] },
      { key: 'appVersion', values: [expect.any(String), '0.2.0'] },
      { key: 'computeBackend', values: [expect.any(String), 'another-backend'] }
    ])
    // A device run's controls are bounded by its calibration's ranges, not the model's.
    // (and null for an electrode the calibration does not cover)
    expect(runs[1].controlElectrodes.slice(0, 2)).toEqual([0, 3])
    expect(controls[2][0]).toMatchObject({ electrode: 0, rangeVolts: [-1, 1] })
    expect(controls[2][1]).toMatchObject({ electrode: 3, rangeVolts: null })
  })
})

describe('rerunConfig', () => {
  it('gives the stored config with its seed, another seed, or none so a new one is drawn', () => {
    expect(rerunConfig(services, ids.ga2)).toEqual({ ...xor, partition: [5, 20], seed: 2 })
    expect(rerunConfig(services, ids.ga2, { seed: 9 })).toEqual({ ...xor, partition: [5, 20], seed: 9 })
    const fresh = rerunConfig(services, ids.gd, { newSeed: true })
    expect(fresh).toEqual(ring)
    expect('seed' in fresh).toBe(false)
    expect(() => rerunConfig(services, 99)).toThrow('runId: no run 99')
    expect(() => rerunConfig(services, ids.gd, { seed: 1, newSeed: true })).toThrow('give a seed or newSeed, not both')
  })
})
