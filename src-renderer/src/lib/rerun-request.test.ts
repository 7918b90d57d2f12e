import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GA_CONFIG,
  DEFAULT_GD_CONFIG,
  type ModelSummary,
  type ControlTrainingConfig
} from '../../../src-shared/ipc'
import { requestRerun, rerunNotice, takeRerunRequest } from './rerun-request'
import { checkForm, configOfForm, formFromRunConfig } from './training-form'

const model: ModelSummary = {
  id: 'demo',
  name: 'Demo',
  source: 'bundled',
  sourceFileName: null,
  importedAt: null,
  notes: '',
  warnings: [],
  inputCount: 7,
  outputCount: 1,
  hiddenSizes: [90],
  activation: 'relu',
  voltageRangesVolts: Array.from({ length: 7 }, (): [number, number] => [-1, 1]),
  amplification: 28.5,
  clippingValueNanoamps: [-110, 110]
}

/** A stored run's config per algorithm, every field away from its preset where the form allows. */
const RUN_CONFIGS: ControlTrainingConfig[] = [
  {
    ...DEFAULT_GA_CONFIG,
    modelId: 'demo',
    task: 'nand',
    partition: [3, 17],
    generations: 42,
    stopThreshold: 0.8,
    fitness: 'corr_fit',
    dataElectrodes: [3, 4],
    inputRange: [-0.5, 0.5],
    seed: 1234,
    simulation: { noiseStdNanoamps: 0.5, amplification: 20, clippingValueNanoamps: [-90, 100] }
  },
  {
    ...DEFAULT_GD_CONFIG,
    modelId: 'demo',
    ring: { sampleCount: 600, gap: 0.3, split: { train: 0.6, validation: 0.2, test: 0.2 }, dataSeed: 3 },
    epochs: 7,
    learningRate: 0.05,
    batchSize: 32,
    optimizer: 'sgd',
    loss: 'corrsig',
    seed: 99,
    simulation: { amplification: 30 }
  },
  { ...DEFAULT_CAPACITY_CONFIG, modelId: 'demo', fromN: 4, toN: 5, generations: 9, partition: [2, 8], seed: 5 }
]

describe('a stored run’s config in the Training form', () => {
  it.each(RUN_CONFIGS.map((config) => [config.algorithm, config] as const))(
    '%s: config → form → config gives the same config, seed included',
    (_algorithm, config) => {
      const form = formFromRunConfig(config)
      expect(form.algorithm).toBe(config.algorithm)
      expect(form.seed).toBe(config.seed)
      expect(configOfForm(form, model)).toEqual(config)
      // And the form accepts it as it is: Start would run exactly this config.
      expect(checkForm(form, model).config).toEqual(config)
    }
  )

  it('leaves the seed empty for a config without one (a new seed is drawn)', () => {
    const { seed: _seed, ...withoutSeed } = RUN_CONFIGS[0]
    const form = formFromRunConfig(withoutSeed as ControlTrainingConfig)
    expect(form.seed).toBeNull()
    expect('seed' in configOfForm(form, model)).toBe(false)
  })
})

describe('the rerun request', () => {
  it('is taken once', () => {
    expect(takeRerunRequest()).toBeNull()
    requestRerun({ runId: 7, sameSeed: true, config: RUN_CONFIGS[0] })
    expect(takeRerunRequest()?.runId).toBe(7)
    expect(takeRerunRequest()).toBeNull()
  })

  it('says where the settings came from', () => {
    expect(rerunNotice({ runId: 12, sameSeed: true })).toBe('Settings from run #12 (same seed)')
    expect(rerunNotice({ runId: 3, sameSeed: false })).toBe('Settings from run #3 (new seed)')
  })
})
