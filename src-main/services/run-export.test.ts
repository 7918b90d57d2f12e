import { describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, DEFAULT_GD_CONFIG, type RunDetail } from '../../src-shared/ipc'
import { csvField, describeStoredRun, runHistory, runTable, runToCsv, runToJson } from './run-export'

/** The generic step list the store gives, from a typed list (`{generation: 1, ...}`). */
function recorded(list: Record<string, number | null>[], key: string): RunDetail['recordedSteps'] {
  return list.map(({ [key]: step, ...values }) => ({ step: step!, values }))
}

function gaRun(): RunDetail {
  const metrics = [
    {
      generation: 1,
      bestFitness: 0.1 + 0.2,
      bestCorrelation: 1 / 3,
      bestSoFarFitness: 0.1 + 0.2,
      bestSoFarCorrelation: 1 / 3
    },
    {
      generation: 2,
      bestFitness: 0.25,
      bestCorrelation: Number.NaN,
      bestSoFarFitness: 0.1 + 0.2,
      bestSoFarCorrelation: 1 / 3
    },
    { generation: 3, bestFitness: 0.9, bestCorrelation: 0.95, bestSoFarFitness: 0.9, bestSoFarCorrelation: 0.95 }
  ]
  return {
    id: 7,
    algorithm: 'ga',
    task: 'xor',
    modelId: 'demo',
    status: 'completed',
    seed: 1,
    startedAt: '2025-01-02T03:04:05.000Z',
    endedAt: '2025-01-02T03:04:06.000Z',
    steps: 3,
    stepName: 'generation',
    stepUnit: 'generations',
    generations: 3,
    bestFitness: 0.9,
    bestCorrelation: 0.95,
    accuracyPercent: null,
    computeBackend: 'wasm',
    appVersion: '0.1.0',
    name: null,
    starred: false,
    tags: [],
    notes: '',
    notesUpdatedAt: null,
    config: { ...DEFAULT_GA_CONFIG, modelId: 'demo', generations: 3, seed: 1 },
    error: null,
    bestControlVoltages: [0.1, -0.2, 0.3, -0.4, 0.5],
    controlElectrodes: [0, 3, 4, 5, 6],
    bestOutputsNanoamps: [1, 2, 3, 4],
    targets: [0, 1, 1, 0],
    recordedSteps: recorded(metrics, 'generation'),
    metrics,
    epochs: [],
    accuracy: null,
    capacity: null,
    surrogate: null,
    resumable: false,
    device: null,
    validations: []
  }
}

function gdRun(): RunDetail {
  const epochs = [
    { epoch: 1, trainLoss: 2.5, validationLoss: 2.75 },
    { epoch: 2, trainLoss: 1e-7, validationLoss: null }
  ]
  return {
    ...gaRun(),
    id: 8,
    algorithm: 'gd',
    task: 'ring',
    steps: 2,
    stepName: 'epoch',
    stepUnit: 'epochs',
    generations: 2,
    bestFitness: null,
    bestCorrelation: null,
    config: { ...DEFAULT_GD_CONFIG, modelId: 'demo', seed: 2 },
    recordedSteps: recorded(epochs, 'epoch'),
    metrics: [],
    epochs,
    accuracy: { trainPercent: 90, validationPercent: 85, testPercent: null }
  }
}

/** A minimal RFC 4180 reader: enough to prove that what runToCsv writes reads back field for field. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"'
        i += 1
      } else if (char === '"') quoted = false
      else field += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      row.push(field)
      field = ''
    } else if (char === '\n') {
      rows.push([...row, field])
      row = []
      field = ''
    } else field += char
  }
  if (field !== '' || row.length > 0) rows.push([...row, field])
  return rows
}

describe('runHistory', () => {
  it("takes each GA generation's best, not the best so far", () => {
    expect(runHistory(gaRun())).toEqual({ fitness: [0.1 + 0.2, 0.25, 0.9], correlation: [1 / 3, Number.NaN, 0.95] })
  })

  it('gives GD runs trainLoss and valLoss, NaN where an epoch had no validation set', () => {
    expect(runHistory(gdRun())).toEqual({ trainLoss: [2.5, 1e-7], valLoss: [2.75, Number.NaN] })
  })

  it('tolerates a GD detail without the epoch fields (an older build)', () => {
    const { epochs: _epochs, accuracy: _accuracy, recordedSteps: _steps, ...older } = gdRun()
    expect(runHistory(older as unknown as RunDetail)).toEqual({ trainLoss: [], valLoss: [] })
    expect(runToCsv(older as unknown as RunDetail)).toBe('epoch,train_loss,validation_loss\n')
  })

  it('gives capacity sweeps their capacity per N', () => {
    const sweep = {
      ...gaRun(),
      algorithm: 'capacity',
      metrics: [],
      capacity: [
        { n: 4, labelings: 14, evaluated: 14, found: 14, capacity: 1 },
        { n: 5, labelings: 30, evaluated: 10, found: 9, capacity: 0.9 }
      ]
    } as unknown as RunDetail
    expect(runHistory(sweep)).toEqual({ n: [4, 5], capacity: [1, 0.9] })
    expect(runToCsv(sweep)).toBe('n,labelings,evaluated,found,capacity\n4,14,14,14,1\n5,30,10,9,0.9\n')
  })

  it('refuses an algorithm it has no table for, naming it', () => {
    const odd = { ...gaRun(), algorithm: 'annealing' } as unknown as RunDetail
    expect(() => runHistory(odd)).toThrow(/run 7 has algorithm 'annealing', which this version cannot export/)
    // Not fooled by names every object has.
    expect(() => runTable({ id: 1, algorithm: 'toString' as RunDetail['algorithm'] })).toThrow(/'toString'/)
  })
})

describe('runToJson', () => {
  it('is the stored run, unchanged, plus its history', () => {
    const run = gaRun()
    const json = runToJson(run)
    const { history, ...rest } = json
    expect(rest).toEqual(run)
    expect(history).toEqual(runHistory(run))
    // NaN has no JSON form: it is written null, which keeps the arrays aligned.
    const parsed = JSON.parse(JSON.stringify(json)) as {
      history: { correlation: (number | null)[] }
      metrics: unknown[]
    }
    expect(parsed.history.correlation).toEqual([1 / 3, null, 0.95])
    expect(parsed.metrics).toHaveLength(3)
  })

  it("keeps a GD run's epochs and accuracy", () => {
    const json = runToJson(gdRun()) as RunDetail & { history: unknown }
    expect(json.epochs).toHaveLength(2)
    expect(json.accuracy).toEqual({ trainPercent: 90, validationPercent: 85, testPercent: null })
    expect(json.history).toEqual({ trainLoss: [2.5, 1e-7], valLoss: [2.75, Number.NaN] })
  })
})

describe('runToCsv', () => {
  it('writes one row per generation under a header, numbers at full precision', () => {
    expect(runToCsv(gaRun())).toBe(
      'generation,best_fitness,best_correlation,best_so_far_fitness,best_so_far_correlation\n' +
        '1,0.30000000000000004,0.3333333333333333,0.30000000000000004,0.3333333333333333\n' +
        '2,0.25,NaN,0.30000000000000004,0.3333333333333333\n' +
        '3,0.9,0.95,0.9,0.95\n'
    )
  })

  it('reads back to the exact numbers', () => {
    const [header, ...rows] = parseCsv(runToCsv(gaRun()))
    expect(header).toHaveLength(5)
    expect(rows.map((row) => Number(row[1]))).toEqual([0.1 + 0.2, 0.25, 0.9])
    expect(rows.map((row) => Number(row[2]))).toEqual([1 / 3, Number.NaN, 0.95])
  })

  it('writes GD epochs with an empty cell where there was no validation loss', () => {
    expect(runToCsv(gdRun())).toBe('epoch,train_loss,validation_loss\n1,2.5,2.75\n2,1e-7,\n')
  })

  it('writes only the header for a run without steps yet', () => {
    expect(runToCsv({ ...gaRun(), recordedSteps: [], metrics: [] })).toBe(
      'generation,best_fitness,best_correlation,best_so_far_fitness,best_so_far_correlation\n'
    )
  })
})

describe('csvField', () => {
  it('quotes only what RFC 4180 requires, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\r')).toBe('"cr\r"')
    expect(parseCsv(['x', 'a,b', 'say "hi"', 'two\nlines'].map(csvField).join(',') + '\n')).toEqual([
      ['x', 'a,b', 'say "hi"', 'two\nlines']
    ])
  })
})

describe('describeStoredRun', () => {
  it('summarises a GA run: result, voltages per electrode, resume hint', () => {
    const text = describeStoredRun({ ...gaRun(), status: 'stopped', resumable: true })
    expect(text).toMatch(/^run 7: GA on xor, stopped\n/)
    expect(text).toMatch(/started: +2025-01-02 03:04:05 UTC\n/)
    expect(text).toMatch(/generations: +3\n/)
    expect(text).toMatch(/ran on: +DNPU Lab 0\.1\.0, wasm backend\n/)
    expect(text).toMatch(/best fitness: 0\.9000, correlation 0\.9500\n/)
    expect(text).toContain('best control voltages:\n  electrode 0: 0.1000 V\n  electrode 3: -0.2000 V\n')
    expect(text).toMatch(/continue it with: dnpu runs resume 7\n$/)
    expect(text).not.toMatch(/error/)
  })

  it('summarises a GD run, with dashes where an older build stored no epochs or accuracy', () => {
    const gd = {
      id: 3,
      algorithm: 'gd',
      task: 'ring',
      modelId: 'demo',
      status: 'failed',
      seed: 9,
      startedAt: '2025-01-02T03:04:05.000Z',
      endedAt: null,
      generations: 0,
      bestFitness: null,
      bestCorrelation: null,
      computeBackend: 'wasm',
      error: 'out of memory',
      bestControlVoltages: null,
      controlElectrodes: [],
      resumable: false
    } as unknown as RunDetail
    const text = describeStoredRun(gd)
    expect(text).toMatch(/^run 3: GD on ring, failed\n/)
    expect(text).toMatch(/epochs: +0\n/)
    expect(text).toMatch(/ran on: +DNPU Lab \(version not recorded\), wasm backend\n/)
    expect(text).toMatch(/ended: +-\n/)
    expect(text).toMatch(/last losses: +train -, validation -\n/)
    expect(text).toMatch(/accuracy: +train -, validation -, test -\n/)
    expect(text).toMatch(/error: +out of memory\n/)
    expect(text).not.toMatch(/control voltages/)
    const done = describeStoredRun(gdRun())
    expect(done).toMatch(/last losses: +train 1\.0000e-7, validation -\n/)
    expect(done).toMatch(/accuracy: +train 90\.0 %, validation 85\.0 %, test -\n/)
  })

  it("lists the run's validations on the device, each kind in its own words", () => {
    const measuredAt = '2025-01-03T10:00:00.000Z'
    const validations: RunDetail['validations'] = [
      {
        kind: 'ga',
        measurementId: 4,
        measuredAt,
        outputsNanoamps: [1, 30.5, 31, 2],
        correlation: 0.97,
        fitness: 0.9,
        trainedOutputsNanoamps: [0, 30, 32, 1]
      },
      {
        kind: 'gd',
        measurementId: 5,
        measuredAt,
        set: 'test',
        setPointCount: 3000,
        controlVoltages: [0.1],
        dataRangesVolts: [
          [-1, 0.6],
          [-1, 0.6]
        ],
        targets: [0, 1],
        outputsNanoamps: Array.from({ length: 2000 }, () => 1),
        simulatedOutputsNanoamps: [],
        accuracyPercent: 92.5,
        simulatedAccuracyPercent: 95,
        trainedAccuracyPercent: null,
        correlation: Number.NaN
      },
      {
        kind: 'capacity',
        measuredAt,
        perN: [
          {
            n: 4,
            evaluated: 14,
            foundOnSurrogate: 14,
            confirmedOnDevice: 13,
            capacityOnSurrogate: 1,
            capacityMeasured: 13 / 14,
            notConfirmed: [[0, 1, 1, 0]],
            measurementId: 6
          }
        ]
      }
    ]
    const text = describeStoredRun({ ...gaRun(), validations })
    expect(text).toContain(
      [
        'validated on the device:',
        "  2025-01-03 10:00:00 UTC, measurement 4: best genome on the gate's inputs, correlation 0.9700, fitness 0.9000",
        '    outputs, measured (in training): 1.00 (0.00), 30.50 (30.00), 31.00 (32.00), 2.00 (1.00) nA',
        '  2025-01-03 10:00:00 UTC, measurement 5: controls on the test set, the first 2000 of its 3000 points',
        '    perceptron accuracy: measured 92.5 %, simulated 95.0 % (the surrogate on the same voltages), in training -',
        '    measured vs simulated outputs: correlation -',
        '  2025-01-03 10:00:00 UTC: every found labeling re-measured with its own controls',
        '    N=4: 13 of 14 found labelings confirmed (14 tried), capacity 1.000 on the surrogate, 0.929 on the device (measurement 6)',
        ''
      ].join('\n')
    )
  })
})
