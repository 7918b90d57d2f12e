import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SURROGATE_CONFIG,
  type SurrogateRunResult,
  type SurrogateTrainingConfig
} from '../../../src-shared/ipc'
import {
  checkSurrogateForm,
  datasetChoicesOf,
  datasetRefusal,
  defaultSurrogateForm,
  parseHiddenSizes,
  surrogateFormFromConfig,
  trainDatasetOfHash,
  trainHash,
  type DatasetChoice,
  type SurrogateForm
} from './surrogate-form'
import { requestSurrogateRerun, takeSurrogateRerun } from './surrogate-rerun'
import { endedByText, epochsOfRun, rmsePercentOfRange, scatterColumns } from './surrogate-result'

const DATASETS: DatasetChoice[] = [
  { id: 1, label: 'Dataset 1', sampleCount: 180_000, complete: true },
  { id: 2, label: 'Dataset 2', sampleCount: 12_000, complete: false }
]

const form = (patch: Partial<SurrogateForm> = {}): SurrogateForm => ({ ...defaultSurrogateForm(1), ...patch })

describe('surrogate form', () => {
  it('makes the contract defaults into a config on the chosen dataset', () => {
    const { config, errors, formErrors } = checkSurrogateForm(form(), DATASETS)
    expect(errors).toEqual({})
    expect(formErrors).toEqual([])
    expect(config).toEqual({ ...DEFAULT_SURROGATE_CONFIG, datasetId: 1 })
  })

  it('turns every field into its config key: seed, name, no early stop', () => {
    const { config } = checkSurrogateForm(
      form({
        hiddenSizes: ' 64, 64,64 ',
        activation: 'tanh',
        epochs: 8,
        batchSize: 512,
        learningRate: 0.003,
        earlyStop: false,
        splitTrain: 0.7,
        splitValidation: 0.2,
        splitTest: 0.1,
        seed: 42,
        modelName: '  Chip 7  '
      }),
      DATASETS
    )
    expect(config).toEqual({
      algorithm: 'surrogate',
      datasetId: 1,
      hiddenSizes: [64, 64, 64],
      activation: 'tanh',
      epochs: 8,
      batchSize: 512,
      learningRate: 0.003,
      patience: null,
      split: { train: 0.7, validation: 0.2, test: 0.1 },
      seed: 42,
      modelName: 'Chip 7'
    })
  })

  it('names what is wrong with the hidden layers', () => {
    expect(parseHiddenSizes('90,x')).toEqual({
      error: '"x" is not a whole number: enter layer sizes such as 90,90,90.'
    })
    expect(parseHiddenSizes('')).toEqual({ error: 'Enter the layer sizes, such as 90,90,90.' })
    expect(parseHiddenSizes('90,,90')).toHaveProperty('error')
    expect(parseHiddenSizes('1.5')).toHaveProperty('error')
    expect(checkSurrogateForm(form({ hiddenSizes: '90,2000' }), DATASETS).errors).toEqual({
      hiddenSizes: 'At most 1024.'
    })
    expect(checkSurrogateForm(form({ hiddenSizes: '0' }), DATASETS).errors).toEqual({ hiddenSizes: 'At least 1.' })
    expect(checkSurrogateForm(form({ hiddenSizes: Array(17).fill(8).join(',') }), DATASETS).errors).toEqual({
      hiddenSizes: 'At most 16 layers.'
    })
  })

  it("takes the number limits from the contract's schema", () => {
    const { config, errors } = checkSurrogateForm(
      form({ epochs: 0, batchSize: 70_000, learningRate: 0, patience: 2.5, seed: -1 }),
      DATASETS
    )
    expect(config).toBeNull()
    expect(errors).toEqual({
      epochs: 'At least 1.',
      batchSize: 'At most 65536.',
      learningRate: 'More than 0.',
      patience: 'Enter a whole number.',
      seed: 'At least 0.'
    })
  })

  it('asks for the missing numbers; patience only with early stop', () => {
    const empty = form({ datasetId: null, epochs: null, patience: null })
    expect(checkSurrogateForm(empty, DATASETS).errors).toEqual({
      datasetId: 'Choose a dataset.',
      epochs: 'Enter a number.',
      patience: 'Enter a number.'
    })
    expect(checkSurrogateForm({ ...empty, earlyStop: false }, DATASETS).errors).not.toHaveProperty('patience')
  })

  it('refuses a split that does not add up to 1', () => {
    const { config, errors } = checkSurrogateForm(form({ splitTrain: 0.8, splitValidation: 0.3 }), DATASETS)
    expect(config).toBeNull()
    expect(errors).toEqual({ split: 'Training + validation + test must add up to 1.' })
    expect(checkSurrogateForm(form({ splitTest: 1 }), DATASETS).errors.splitTest).toBe('Less than 1.')
  })

  it('refuses an incomplete or unknown dataset with the reason; an empty list leaves the check to main', () => {
    expect(checkSurrogateForm(form({ datasetId: 2 }), DATASETS).errors.datasetId).toBe(
      'Dataset 2 cannot be trained on: its sampling has not finished: resume it in Sampling first.'
    )
    expect(checkSurrogateForm(form({ datasetId: 9 }), DATASETS).errors.datasetId).toBe('There is no dataset 9.')
    expect(checkSurrogateForm(form({ datasetId: 9 }), []).config).toMatchObject({ datasetId: 9 })
    expect(checkSurrogateForm(form({ datasetId: 0 }), []).errors.datasetId).toBe('More than 0.')
  })

  it("shows a stored run's config, with its seed only when asked", () => {
    const stored: SurrogateTrainingConfig = {
      ...DEFAULT_SURROGATE_CONFIG,
      datasetId: 3,
      hiddenSizes: [32, 16],
      patience: null,
      seed: 7,
      modelName: 'Old'
    }
    expect(checkSurrogateForm(surrogateFormFromConfig(stored, { keepSeed: true }), []).config).toEqual(stored)
    const fresh = surrogateFormFromConfig(stored)
    expect(fresh.seed).toBeNull()
    // Ticking early stop again offers the default patience.
    expect(fresh).toMatchObject({ earlyStop: false, patience: DEFAULT_SURROGATE_CONFIG.patience })
  })
})

describe('#models?train=N', () => {
  it('reads the dataset id, and nothing else', () => {
    expect(trainDatasetOfHash(trainHash(12))).toBe(12)
    expect(trainDatasetOfHash('#models?train=3&x=1')).toBe(3)
    expect(trainDatasetOfHash('#models')).toBeNull()
    expect(trainDatasetOfHash('#history?train=3')).toBeNull()
    expect(trainDatasetOfHash('#models?train=0')).toBeNull()
    expect(trainDatasetOfHash('#models?train=-2')).toBeNull()
    expect(trainDatasetOfHash('#models?train=1.5')).toBeNull()
    expect(trainDatasetOfHash('#models?train=abc')).toBeNull()
    expect(trainDatasetOfHash('#models?train=99999999999')).toBeNull()
  })
})

describe('surrogate rerun', () => {
  const config: SurrogateTrainingConfig = { ...DEFAULT_SURROGATE_CONFIG, datasetId: 4, epochs: 12, seed: 99 }

  it('fills the form once, for the dataset the view opened on', () => {
    requestSurrogateRerun({ runId: 8, sameSeed: true, config })
    const taken = takeSurrogateRerun(4)
    expect(taken?.notice).toBe('Settings from run #8 (same seed)')
    expect(checkSurrogateForm(taken!.form, []).config).toEqual(config)
    expect(takeSurrogateRerun(4)).toBeNull()
  })

  it('drops a request for another dataset, and leaves the seed empty for a new one', () => {
    requestSurrogateRerun({ runId: 8, sameSeed: true, config })
    expect(takeSurrogateRerun(5)).toBeNull()
    expect(takeSurrogateRerun(4)).toBeNull()
    const { seed: _seed, ...withoutSeed } = config
    requestSurrogateRerun({ runId: 9, sameSeed: false, config: withoutSeed })
    const taken = takeSurrogateRerun(4)
    expect(taken?.notice).toBe('Settings from run #9 (new seed)')
    expect(taken?.form.seed).toBeNull()
  })
})

describe('surrogate result figures', () => {
  const result: SurrogateRunResult = {
    modelId: 'trained-1',
    datasetId: 1,
    bestEpoch: 6,
    bestValidationLoss: 0.01,
    endedBy: 'early-stop',
    sampleCounts: { train: 80, validation: 10, test: 10 },
    test: {
      rmseNanoamps: 2,
      rmseRelativeToRange: 0.02,
      correlation: 0.99,
      outputRangeNanoamps: [-50, 50],
      sampleCount: 10
    },
    scatter: { measuredNanoamps: [3, -1, 2], predictedNanoamps: [3.5, -0.5, 1.5] },
    ivCurves: []
  }

  it('orders the scatter by measured output, with the ideal line along it', () => {
    expect(scatterColumns(result)).toEqual([
      [-1, 2, 3],
      [-0.5, 1.5, 3.5],
      [-1, 2, 3]
    ])
  })

  it('says the RMSE in % of the range and why training ended', () => {
    expect(rmsePercentOfRange(result)).toBeCloseTo(2)
    expect(rmsePercentOfRange({ ...result, test: { ...result.test, rmseRelativeToRange: null } })).toBeNull()
    expect(endedByText(result)).toBe('early stop (no better validation loss); weights of epoch 6 kept')
  })
})

describe('epochs of a stored run', () => {
  it("reads a surrogate run's recorded steps as epochs, and keeps GD's list", () => {
    const recordedSteps = [
      { step: 1, values: { trainLoss: 0.5, validationLoss: 0.6 } },
      { step: 2, values: { trainLoss: 0.2, validationLoss: null } }
    ]
    expect(epochsOfRun({ config: { algorithm: 'surrogate' }, epochs: [], recordedSteps })).toEqual([
      { epoch: 1, trainLoss: 0.5, validationLoss: 0.6 },
      { epoch: 2, trainLoss: 0.2, validationLoss: null }
    ])
    const gd = [{ epoch: 1, trainLoss: 1, validationLoss: 2 }]
    expect(epochsOfRun({ config: { algorithm: 'gd' }, epochs: gd, recordedSteps })).toBe(gd)
  })
})

describe('datasetChoicesOf', () => {
  const summary = (id: number, status: 'complete' | 'interrupted', keptCount: number) => ({
    id,
    profileId: 1,
    calibrationId: 2,
    status,
    chunkCountTarget: 10,
    chunksStored: status === 'complete' ? 10 : 4,
    sampleCount: keptCount + 3,
    clippedCount: 3,
    keptCount,
    error: null,
    createdAt: '2026-12-06T10:20:30.000Z',
    updatedAt: '2026-12-06T10:25:00.000Z'
  })

  it('lists newest first, counts the samples training keeps, and marks unfinished ones', () => {
    const choices = datasetChoicesOf([summary(1, 'complete', 500), summary(2, 'interrupted', 200)])
    expect(choices.map((c) => c.id)).toEqual([2, 1])
    expect(choices[0]).toEqual({
      id: 2,
      label: 'Dataset 2 (interrupted, 2026-12-06 10:20)',
      sampleCount: 200,
      complete: false
    })
    expect(choices[1].sampleCount).toBe(500)
    expect(datasetRefusal(choices[0])).toMatch(/has not finished/)
    expect(datasetRefusal(choices[1])).toBeNull()
  })
})
