import { describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, DEFAULT_GD_CONFIG, type ModelSummary } from '../../../src-preload/contract'
import { checkForm, formFromConfig, presetForm, ringSplitCounts } from './training-form'

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

describe('presets', () => {
  it('GA: the form gives back the XOR preset', () => {
    expect(checkForm(presetForm('ga', 'demo'), model).config).toEqual({ ...DEFAULT_GA_CONFIG, modelId: 'demo' })
  })

  it('GD: the form gives back the ring preset', () => {
    expect(checkForm(presetForm('gd', 'demo'), model).config).toEqual({ ...DEFAULT_GD_CONFIG, modelId: 'demo' })
  })

  it('a GD config keeps its values and leaves the seed empty', () => {
    const form = formFromConfig({ ...DEFAULT_GD_CONFIG, modelId: 'demo', epochs: 7, loss: 'mse', seed: 9, simulation: { amplification: 2 } })
    expect(form.algorithm).toBe('gd')
    expect(form.epochs).toBe(7)
    expect(form.loss).toBe('mse')
    expect(form.seed).toBeNull()
    expect(form.amplification).toBe(2)
    // The GA fields hold the GA preset, ready if the user switches.
    expect(form.generations).toBe(DEFAULT_GA_CONFIG.generations)
  })
})

describe('GD checking', () => {
  it('names the split when its fractions do not add up to 1', () => {
    const form = { ...presetForm('gd', 'demo'), splitTest: 0.3 }
    const check = checkForm(form, model)
    expect(check.config).toBeNull()
    expect(check.errors.split).toMatch(/must be 1/)
  })

  it('names each field the schema refuses', () => {
    const form = { ...presetForm('gd', 'demo'), sampleCount: 301, learningRate: 0, batchSize: 2.5, epochs: null }
    const { errors } = checkForm(form, model)
    expect(errors.sampleCount).toMatch(/even/)
    expect(errors.learningRate).toBe('More than 0.')
    expect(errors.batchSize).toBe('Enter a whole number.')
    expect(errors.epochs).toBe('Enter a number.')
  })

  it('never sends noise with GD (it is GA-only) but keeps amplification and clipping', () => {
    const form = { ...presetForm('gd', 'demo'), noiseStdNanoamps: 3, amplification: 10, clippingHiNanoamps: 50 }
    const { config } = checkForm(form, model)
    expect(config?.simulation).toEqual({ amplification: 10, clippingValueNanoamps: [-110, 50] })
  })

  it('ignores the GA fields when training GD', () => {
    const form = { ...presetForm('gd', 'demo'), generations: null, elite: -1 }
    expect(checkForm(form, model).config).not.toBeNull()
  })
})

describe('GA checking', () => {
  it('still names a GA field, and ignores the GD ones', () => {
    const form = { ...presetForm('ga', 'demo'), elite: 0, epochs: null }
    const { config, errors } = checkForm(form, model)
    expect(config).toBeNull()
    expect(errors.elite).toBe('At least 1.')
    expect(errors.epochs).toBeUndefined()
  })
})

describe('ringSplitCounts', () => {
  it('splits as main does: whole points, the test part takes the rest', () => {
    expect(ringSplitCounts({ ...presetForm('gd', 'demo'), sampleCount: 300 })).toEqual({ train: 210, validation: 45, test: 45 })
    expect(ringSplitCounts({ ...presetForm('gd', 'demo'), sampleCount: 1002 })).toEqual({ train: 701, validation: 150, test: 151 })
  })
})
