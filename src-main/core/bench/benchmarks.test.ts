// The benchmarks on tiny sizes: every measure must give a finite positive figure and the report
// must carry every key. Speed itself is never asserted (it depends on the machine and its load).
import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { DifferentiableSurrogate } from '../gd/differentiable-surrogate.js'
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js'
import {
  BENCHMARK_SIZES,
  benchmarkReport,
  FIGURE_KEYS,
  measureForwardBackwardSamplesPerSecond,
  measureForwardSamplesPerSecond,
  measureGaSecondsPerGeneration,
  measureGaXorMsPerGeneration,
  measureGdRingSecondsPerEpoch,
  measureSurrogateTrainSamplesPerSecond,
  randomVoltageRows,
  repetitionsFor,
  runBenchmarks,
  targetMet,
  timeRepetitions,
  type BenchmarkRun,
  type Measurement,
  type RepetitionOptions
} from './benchmarks.js'

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)
const twice: RepetitionOptions = { warmups: 1, minRepetitions: 2, maxRepetitions: 2, budgetSeconds: 0 }
const machine = { cpuModel: 'Test CPU', cores: 2, nodeVersion: 'v20.0.0', os: 'linux 6.0 x64', loadAverage1Minute: 0.5 }

function expectPositiveFigure(figure: Measurement, repetitions = 2): void {
  expect(figure.repetitions).toBe(repetitions)
  expect(figure.samples).toHaveLength(repetitions)
  for (const value of [figure.value, ...figure.samples]) {
    expect(Number.isFinite(value)).toBe(true)
    expect(value).toBeGreaterThan(0)
  }
  // The median lies between the fastest and the slowest repetition.
  expect(figure.value).toBeGreaterThanOrEqual(Math.min(...figure.samples))
  expect(figure.value).toBeLessThanOrEqual(Math.max(...figure.samples))
}

describe('timeRepetitions', () => {
  it('runs the warm-ups unmeasured, then at least minRepetitions and at most maxRepetitions', async () => {
    let calls = 0
    const run = async () => (calls += 1)
    const seconds = await timeRepetitions(run, { warmups: 3, minRepetitions: 2, maxRepetitions: 4, budgetSeconds: 0 })
    expect(seconds).toHaveLength(2)
    expect(calls).toBe(5)
    calls = 0
    // An unreachable budget: the maximum count ends it.
    const capped = await timeRepetitions(run, { warmups: 0, minRepetitions: 1, maxRepetitions: 4, budgetSeconds: 1e6 })
    expect(capped).toHaveLength(4)
    expect(calls).toBe(4)
    capped.forEach((s) => expect(s).toBeGreaterThanOrEqual(0))
  })

  it('refuses bad repetition settings, naming the setting', async () => {
    const run = async () => undefined
    await expect(timeRepetitions(run, { ...twice, minRepetitions: 0 })).rejects.toThrow(/minRepetitions/)
    await expect(timeRepetitions(run, { ...twice, maxRepetitions: 1 })).rejects.toThrow(/maxRepetitions/)
    await expect(timeRepetitions(run, { ...twice, warmups: -1 })).rejects.toThrow(/warmups/)
    await expect(timeRepetitions(run, { ...twice, budgetSeconds: Number.NaN })).rejects.toThrow(/budgetSeconds/)
  })

  it('gives every figure at least five repetitions in a full run, and fewer settings with --quick', () => {
    for (const key of FIGURE_KEYS) {
      expect(repetitionsFor(key, false).minRepetitions).toBeGreaterThanOrEqual(5)
      expect(repetitionsFor(key, true).budgetSeconds).toBeLessThan(repetitionsFor(key, false).budgetSeconds)
    }
  })
})

describe('the measures, on tiny sizes', () => {
  it('surrogate training step: samples per second', async () => {
    expectPositiveFigure(await measureSurrogateTrainSamplesPerSecond(definition, twice, 8))
    await expect(measureSurrogateTrainSamplesPerSecond(definition, twice, 0)).rejects.toThrow(/batchSize/)
  })

  it('GA on XOR: ms per generation', async () => {
    expectPositiveFigure(await measureGaXorMsPerGeneration(definition, twice, [2, 4]))
  })

  it('GA on ring points: seconds per generation', async () => {
    expectPositiveFigure(await measureGaSecondsPerGeneration(definition, twice, [2, 4], 8))
    await expect(measureGaSecondsPerGeneration(definition, twice, [2, 4], 7)).rejects.toThrow(/pointCount must be even/)
  })

  it('GD on the ring: seconds per epoch', async () => {
    expectPositiveFigure(
      await measureGdRingSecondsPerEpoch(definition, twice, { trainCount: 40, validationCount: 10, batchSize: 16 })
    )
    await expect(
      measureGdRingSecondsPerEpoch(definition, twice, { trainCount: 41, validationCount: 10, batchSize: 16 })
    ).rejects.toThrow(/even/)
    await expect(
      measureGdRingSecondsPerEpoch(definition, twice, { trainCount: 40, validationCount: 10, batchSize: 0 })
    ).rejects.toThrow(/batchSize/)
  })

  it('surrogate forward: samples per second', async () => {
    expectPositiveFigure(await measureForwardSamplesPerSecond(definition, twice, 64))
    await expect(measureForwardSamplesPerSecond(definition, twice, 0)).rejects.toThrow(/rowCount/)
  })

  it('forward + input gradient: samples per second', async () => {
    expectPositiveFigure(await measureForwardBackwardSamplesPerSecond(definition, twice, 16))
  })
})

describe('randomVoltageRows', () => {
  it('draws seeded rows inside each electrode range', () => {
    const rows = randomVoltageRows(definition, 500, 7)
    const electrodes = definition.voltageRangesVolts.length
    expect(rows).toHaveLength(500 * electrodes)
    rows.forEach((volts, i) => {
      const [lo, hi] = definition.voltageRangesVolts[i % electrodes]!
      expect(volts).toBeGreaterThanOrEqual(Math.fround(lo))
      expect(volts).toBeLessThanOrEqual(Math.fround(hi))
    })
    expect(randomVoltageRows(definition, 500, 7)).toEqual(rows)
    expect(randomVoltageRows(definition, 500, 8)).not.toEqual(rows)
  })
})

describe('runBenchmarks and benchmarkReport', () => {
  it('produce every JSON key with finite positive figures', async () => {
    const started: string[] = []
    const run = await runBenchmarks({
      definition,
      repetition: twice,
      sizes: {
        gaXorPartition: [2, 4],
        gaLargePartition: [2, 4],
        gaLargePointCount: 8,
        gdTrainCount: 40,
        gdValidationCount: 10,
        gdBatchSize: 16,
        forwardRowCount: 64,
        forwardBackwardRowCount: 16,
        surrogateTrainBatchSize: 16
      },
      onFigureStart: (key) => started.push(key)
    })
    expect(started).toEqual([...FIGURE_KEYS])
    const report = JSON.parse(JSON.stringify(benchmarkReport(run, machine))) as Record<string, unknown>
    for (const key of FIGURE_KEYS) {
      expect(Number.isFinite(report[key])).toBe(true)
      expect(report[key] as number).toBeGreaterThan(0)
    }
    expect(Object.keys(report).sort()).toEqual(
      [
        ...FIGURE_KEYS,
        'computeBackend',
        'mlpKernel',
        'workers',
        'machine',
        'quick',
        'reference',
        'targets',
        'targetsMet',
        'allTargetsMet',
        'repetitions',
        'sizes'
      ].sort()
    )
    expect(['tensorflow', 'wasm', 'cpu']).toContain(report.computeBackend)
    // The demo surrogate is ReLU: it runs on the WebAssembly kernel unless DNPU_MLP_KERNEL=off.
    expect(report.mlpKernel).toBe(process.env.DNPU_MLP_KERNEL === 'off' ? null : 'wasm-simd')
    expect(report.workers).toBe(1)
    expect(report.machine).toEqual(machine)
    expect(report.sizes).toMatchObject({ gaLargePointCount: 8, forwardRowCount: 64 })
    for (const part of ['reference', 'targets', 'targetsMet', 'repetitions']) {
      expect(Object.keys(report[part] as object).sort()).toEqual([...FIGURE_KEYS].sort())
    }
  })

  it('refuses a bad worker count and runs every figure on the given processors', async () => {
    await expect(runBenchmarks({ definition, workers: 0, repetition: twice })).rejects.toThrow(
      /workers must be a whole number of at least 1, got 0/
    )
    let made = 0
    let disposed = 0
    let [differentiableMade, differentiableDisposed, passes] = [0, 0, 0]
    const run = await runBenchmarks({
      definition,
      workers: 3,
      repetition: twice,
      sizes: {
        gaLargePointCount: 20,
        forwardRowCount: 50,
        gdTrainCount: 40,
        gdValidationCount: 10,
        gdBatchSize: 16,
        forwardBackwardRowCount: 8,
        surrogateTrainBatchSize: 8
      },
      createProcessor: (d) => {
        made += 1
        const model = new SurrogateModel(d)
        return Object.assign(model, {
          dispose: () => {
            disposed += 1
            SurrogateModel.prototype.dispose.call(model)
          }
        })
      },
      createDifferentiableProcessor: async (d, simulation) => {
        differentiableMade += 1
        const surrogate = await DifferentiableSurrogate.create(d, simulation)
        return {
          forwardWithGradient: (inputs: Float32Array, rows: number) => {
            passes += 1
            return surrogate.forwardWithGradient(inputs, rows)
          },
          dispose: () => {
            differentiableDisposed += 1
            surrogate.dispose()
          }
        }
      }
    })
    expect(run.workers).toBe(3)
    expect(made).toBe(3) // GA XOR, GA large, forward
    expect(disposed).toBe(3)
    expect(differentiableMade).toBe(2) // GD ring, forward + backward
    expect(differentiableDisposed).toBe(2)
    // 1 warm-up + 2 repetitions each. GD: per epoch 3 batches (16, 16, 8) + 1 validation forward.
    expect(passes).toBe(3 * 4 + 3)
  })
})

describe('targets', () => {
  const figure = (value: number): Measurement => ({ value, repetitions: 1, samples: [value] })
  const run = (values: Record<(typeof FIGURE_KEYS)[number], number>): BenchmarkRun => ({
    figures: Object.fromEntries(FIGURE_KEYS.map((key) => [key, figure(values[key])])) as BenchmarkRun['figures'],
    computeBackend: 'wasm',
    mlpKernel: 'wasm-simd',
    workers: 1,
    quick: false,
    sizes: { ...BENCHMARK_SIZES }
  })

  it('counts a time as met at or below its target and a throughput at or above it', () => {
    expect(targetMet('gaXorMsPerGeneration', 1.5)).toBe(true)
    expect(targetMet('gaXorMsPerGeneration', 1.51)).toBe(false)
    expect(targetMet('forwardSamplesPerSecond', 7e5)).toBe(true)
    expect(targetMet('forwardSamplesPerSecond', 6.99e5)).toBe(false)
  })

  it('reports each figure against the reference and the target', () => {
    const atTargets = run({
      gaXorMsPerGeneration: 1.5,
      ga100x1000SecondsPerGeneration: 0.1,
      gdRingSecondsPerEpoch: 0.043,
      forwardSamplesPerSecond: 7e5,
      forwardBackwardSamplesPerSecond: 4.9e5,
      surrogateTrainSamplesPerSecond: 3e4
    })
    const met = benchmarkReport(atTargets, machine)
    expect(met.allTargetsMet).toBe(true)
    expect(met.reference).toEqual({
      gaXorMsPerGeneration: 15.6,
      ga100x1000SecondsPerGeneration: 0.154,
      gdRingSecondsPerEpoch: 0.043,
      forwardSamplesPerSecond: 4.6e5,
      forwardBackwardSamplesPerSecond: 4.9e5,
      surrogateTrainSamplesPerSecond: 1.89e4
    })
    expect(met.targets.surrogateTrainSamplesPerSecond).toEqual({ atLeast: 1.89e4 })
    expect(met.targets.gaXorMsPerGeneration).toEqual({ atMost: 1.5 })
    expect(met.targets.forwardBackwardSamplesPerSecond).toEqual({ atLeast: 4.9e5 })

    const slowGd = benchmarkReport(
      { ...atTargets, figures: { ...atTargets.figures, gdRingSecondsPerEpoch: figure(0.2) } },
      machine
    )
    expect(slowGd.allTargetsMet).toBe(false)
    expect(slowGd.targetsMet).toEqual({
      gaXorMsPerGeneration: true,
      ga100x1000SecondsPerGeneration: true,
      gdRingSecondsPerEpoch: false,
      forwardSamplesPerSecond: true,
      forwardBackwardSamplesPerSecond: true,
      surrogateTrainSamplesPerSecond: true
    })
    // Four significant digits in the report.
    const precise = benchmarkReport(
      { ...atTargets, figures: { ...atTargets.figures, forwardSamplesPerSecond: figure(712_345.678) } },
      machine
    )
    expect(precise.forwardSamplesPerSecond).toBe(712_300)
  })

  it('refuses a figure that is not a positive finite number', () => {
    const broken = run({
      gaXorMsPerGeneration: Number.NaN,
      ga100x1000SecondsPerGeneration: 0.1,
      gdRingSecondsPerEpoch: 0.043,
      forwardSamplesPerSecond: 7e5,
      forwardBackwardSamplesPerSecond: 4.9e5,
      surrogateTrainSamplesPerSecond: 3e4
    })
    expect(() => benchmarkReport(broken, machine)).toThrow(/gaXorMsPerGeneration/)
  })
})
