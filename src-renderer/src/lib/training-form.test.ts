import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GA_CONFIG,
  DEFAULT_GD_CONFIG,
  type ModelSummary
} from '../../../src-shared/ipc'
import { foundAtPercent, labelingCount, sweepSize } from './algorithm-forms/capacity-form'
import { ringSplitCounts } from './algorithm-forms/gd-form'
import { ALGORITHM_CHOICES, checkForm, FIELD_LABELS, formFromConfig, presetForm } from './training-form'

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

  it('capacity: the form gives back the VC-dimension preset', () => {
    expect(checkForm(presetForm('capacity', 'demo'), model).config).toEqual({
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo'
    })
  })

  it('a capacity config keeps its values; the GA fields it shares (partition, generations) are its own', () => {
    const form = formFromConfig({
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 5,
      toN: 7,
      generations: 12,
      partition: [3, 9],
      seed: 4
    })
    expect(form).toMatchObject({
      algorithm: 'capacity',
      task: 'vc-dimension',
      fromN: 5,
      toN: 7,
      generations: 12,
      elite: 3,
      offspring: 9,
      seed: null
    })
    expect(checkForm(form, model).config).toEqual({
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 5,
      toN: 7,
      generations: 12,
      partition: [3, 9]
    })
  })

  it('a GD config keeps its values and leaves the seed empty', () => {
    const form = formFromConfig({
      ...DEFAULT_GD_CONFIG,
      modelId: 'demo',
      epochs: 7,
      loss: 'mse',
      seed: 9,
      simulation: { amplification: 2 }
    })
    expect(form.algorithm).toBe('gd')
    expect(form.epochs).toBe(7)
    expect(form.loss).toBe('mse')
    expect(form.seed).toBeNull()
    expect(form.amplification).toBe(2)
    // The GA fields hold the GA preset, ready if the user switches.
    expect(form.generations).toBe(DEFAULT_GA_CONFIG.generations)
  })
})

describe('fields', () => {
  it('every field of every algorithm has a label, and each algorithm fills every field', () => {
    const fieldSets = ALGORITHM_CHOICES.map(({ value }) => Object.keys(presetForm(value, 'demo')).sort())
    for (const fields of fieldSets) expect(fields).toEqual(fieldSets[0])
    expect(Object.keys(FIELD_LABELS).sort()).toEqual([...fieldSets[0]!, 'split'].sort())
    for (const label of Object.values(FIELD_LABELS)) expect(label).toMatch(/^[A-Z]/)
  })

  it('a GD config keeps the GA preset in the evolution fields the GA and the sweep share', () => {
    const form = formFromConfig({ ...DEFAULT_GD_CONFIG, modelId: 'demo' })
    expect([form.elite, form.offspring, form.generations]).toEqual([
      ...DEFAULT_GA_CONFIG.partition,
      DEFAULT_GA_CONFIG.generations
    ])
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

describe('capacity checking', () => {
  it("names each field the schema refuses, in the form's words", () => {
    const form = { ...presetForm('capacity', 'demo'), toN: 11, attempts: 0, generations: 2.5, elite: null }
    const { config, errors } = checkForm(form, model)
    expect(config).toBeNull()
    expect(errors.toN).toBe('At most 10.')
    expect(errors.attempts).toBe('At least 1.')
    expect(errors.generations).toBe('Enter a whole number.')
    expect(errors.elite).toBe('Enter a number.')
  })

  it('puts the range and threshold rules under their fields', () => {
    expect(checkForm({ ...presetForm('capacity', 'demo'), fromN: 6, toN: 5 }, model).errors.fromN).toBe(
      'From N must not be greater than to N.'
    )
    expect(
      checkForm({ ...presetForm('capacity', 'demo'), thresholdParameter: 4 }, model).errors.thresholdParameter
    ).toMatch(/^Must be below from N/)
  })

  it('sends no noise: the sweep runs on the noise-free surrogate', () => {
    const form = { ...presetForm('capacity', 'demo'), noiseStdNanoamps: 3, amplification: 10 }
    expect(checkForm(form, model).config?.simulation).toEqual({ amplification: 10 })
  })

  it('ignores the GD fields when sweeping', () => {
    expect(checkForm({ ...presetForm('capacity', 'demo'), epochs: null, sampleCount: 3 }, model).config).not.toBeNull()
  })
})

describe('sweep size', () => {
  it('counts the 2^N - 2 labelings of each N', () => {
    expect(labelingCount(4, 4)).toBe(14)
    expect(labelingCount(4, 6)).toBe(14 + 30 + 62)
    expect(labelingCount(4, 10)).toBe(2018)
  })

  it('describes the chosen range and its worst case, or nothing for a range the schema refuses', () => {
    expect(sweepSize({ ...presetForm('capacity', 'demo'), fromN: 4, toN: 5, attempts: 2, generations: 10 })).toEqual({
      perN: [
        { n: 4, labelings: 14 },
        { n: 5, labelings: 30 }
      ],
      labelings: 44,
      mostGenerations: 880
    })
    expect(sweepSize({ ...presetForm('capacity', 'demo'), attempts: null })?.mostGenerations).toBeNull()
    expect(sweepSize({ ...presetForm('capacity', 'demo'), fromN: 6, toN: 5 })).toBeNull()
    expect(sweepSize({ ...presetForm('capacity', 'demo'), toN: 11 })).toBeNull()
    expect(sweepSize({ ...presetForm('capacity', 'demo'), fromN: null })).toBeNull()
  })

  it('gives the accuracy at which a labeling counts as found', () => {
    expect(foundAtPercent(0.5, 4)).toBe(87.5)
    expect(foundAtPercent(0, 7)).toBe(100)
  })
})

describe('ringSplitCounts', () => {
  it('splits as main does: whole points, the test part takes the rest', () => {
    expect(ringSplitCounts({ ...presetForm('gd', 'demo'), sampleCount: 300 })).toEqual({
      train: 210,
      validation: 45,
      test: 45
    })
    expect(ringSplitCounts({ ...presetForm('gd', 'demo'), sampleCount: 1002 })).toEqual({
      train: 701,
      validation: 150,
      test: 151
    })
  })
})
