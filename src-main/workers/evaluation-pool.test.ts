/**
 * EvaluationPool against a single SurrogateModel, bit for bit, with real worker threads.
 *
 * beforeAll bundles evaluation-worker.ts from source (vitest does not know `?nodeWorker`), and the
 * tests hand the pool a factory that starts that file.
 */
import { resolve } from 'node:path'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  DifferentiableSurrogate,
  Dnpu,
  GaTrainer,
  GdTrainer,
  generateRingData,
  parseSurrogateJson,
  Rng,
  splitDataset,
  SurrogateModel,
  type GaResult,
  type GdTrainerSetup,
  type Processor,
  type SimulationOptions
} from '../core'
import { DEMO_SURROGATE_JSON } from '../core/__fixtures__/demo-surrogate'
import { EvaluationPool, type EvaluationPoolOptions, type EvaluationWorkerFactory } from './evaluation-pool'
import { bundleWorker, type BundledWorker } from './__fixtures__/bundle-worker'

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)

let bundled: BundledWorker | null = null
let workerFile = ''

beforeAll(async () => {
  bundled = await bundleWorker(resolve(import.meta.dirname, 'evaluation-worker.ts'))
  workerFile = bundled.file
})

afterAll(() => {
  bundled?.remove()
})

/** What a factory started, and the row count of every forward request posted to it. */
interface Spawned {
  worker: Worker
  name: string
  postedRowCounts: number[]
  /** The type of every message posted to it, in order. */
  postedTypes: string[]
  exited: Promise<number>
}

const pools: EvaluationPool[] = []

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.dispose()))
})

function recordingFactory(
  start: (options: WorkerOptions) => Worker,
  spawned: Spawned[],
  onPost?: (entry: Spawned) => void
): EvaluationWorkerFactory {
  return (options) => {
    const worker = start(options)
    const entry: Spawned = {
      worker,
      name: String(options.name),
      postedRowCounts: [],
      postedTypes: [],
      exited: new Promise((done) => worker.once('exit', done))
    }
    const post = worker.postMessage.bind(worker)
    worker.postMessage = (message: { type: string; rowCount?: number }, transfer?: readonly ArrayBuffer[]) => {
      entry.postedTypes.push(message.type)
      if (message.rowCount !== undefined) entry.postedRowCounts.push(message.rowCount)
      post(message, transfer)
      onPost?.(entry)
    }
    spawned.push(entry)
    return worker
  }
}

function sourceFactory(spawned: Spawned[], onPost?: (entry: Spawned) => void): EvaluationWorkerFactory {
  return recordingFactory((options) => new Worker(workerFile, options), spawned, onPost)
}

/** A stand-in worker from a snippet of CommonJS, for the failure cases. */
function scriptFactory(code: string, spawned: Spawned[] = []): EvaluationWorkerFactory {
  return recordingFactory((options) => new Worker(code, { ...options, eval: true }), spawned)
}

function newPool(options: Omit<EvaluationPoolOptions, 'definition'>): EvaluationPool {
  const pool = new EvaluationPool({ definition, ...options })
  pools.push(pool)
  return pool
}

/** `rowCount` random rows, each electrode uniform over a bit more than its range. */
function randomRows(rowCount: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const ranges = definition.voltageRangesVolts
  const rows = new Float32Array(rowCount * ranges.length)
  for (let i = 0; i < rows.length; i += 1) {
    const [lo, hi] = ranges[i % ranges.length]!
    rows[i] = rng.uniform(lo - 0.1, hi + 0.1)
  }
  return rows
}

/** Bit patterns, so equal means identical (NaN and -0 included), not merely close. */
function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length))
}

/** One SurrogateModel over all rows, call after call: the ground truth. */
async function singleModel(simulation: SimulationOptions, calls: Float32Array[]): Promise<Float32Array[]> {
  const model = new SurrogateModel(definition, simulation)
  try {
    const outputs: Float32Array[] = []
    for (const rows of calls) outputs.push(await model.forwardNanoamps(rows, rows.length / definition.inputCount))
    return outputs
  } finally {
    model.dispose()
  }
}

// Narrow clipping so many outputs saturate: noise must be added before clipping, as in the model.
const NOISY = (seed: number): SimulationOptions => ({
  amplification: 40,
  clippingValueNanoamps: [-30, 30],
  outputNoise: { stdNanoamps: 2, rng: new Rng(seed) }
})

describe('EvaluationPool', () => {
  it.each([1, 2, 3])(
    'matches one SurrogateModel bit for bit with %i worker(s), rows not divisible by N',
    async (workers) => {
      const calls = [randomRows(5003, 1), randomRows(2, 2), randomRows(0, 3), randomRows(4001, 4)]
      const expected = await singleModel({}, calls)
      const spawned: Spawned[] = []
      const pool = newPool({ workers, inThreadBelowRows: 0, spawnWorker: sourceFactory(spawned) })
      for (const [i, rows] of calls.entries()) {
        const got = await pool.forwardNanoamps(rows, rows.length / definition.inputCount)
        expect(bits(got), `call ${i}`).toEqual(bits(expected[i]!))
      }
      // The split really happened: N-1 workers, each given its contiguous share (the calling thread does the first).
      expect(spawned.map((s) => s.name)).toEqual(
        Array.from({ length: workers - 1 }, (_, i) => `dnpu-evaluation-${i + 1}`)
      )
      const shares = {
        1: [],
        2: [[2502, 1, 2001]],
        3: [
          [1668, 1, 1334],
          [1668, 1, 1334]
        ]
      }[workers]
      expect(spawned.map((s) => s.postedRowCounts)).toEqual(shares)
    }
  )

  it.each([1, 2, 3])(
    'with output noise and overrides gives the same values and stream as one noisy model (%i workers)',
    async (workers) => {
      const calls = [randomRows(5003, 5), randomRows(3, 6), randomRows(3001, 7)]
      const expected = await singleModel(NOISY(42), calls)
      const pool = newPool({ workers, inThreadBelowRows: 0, simulation: NOISY(42), spawnWorker: sourceFactory([]) })
      for (const [i, rows] of calls.entries()) {
        const got = await pool.forwardNanoamps(rows, rows.length / definition.inputCount)
        expect(bits(got), `call ${i}`).toEqual(bits(expected[i]!))
      }
      // The case is a real one: some outputs sit on the clipping value, others not.
      const all = expected.flatMap((values) => Array.from(values))
      expect(all.filter((v) => v === 30 || v === -30).length).toBeGreaterThan(10)
      expect(all.filter((v) => v > -30 && v < 30).length).toBeGreaterThan(10)
    }
  )

  it('keeps call order (and so the noise stream) when calls overlap', async () => {
    const calls = [randomRows(3000, 8), randomRows(10, 9), randomRows(2500, 10)]
    const expected = await singleModel(NOISY(7), calls)
    const pool = newPool({ workers: 2, inThreadBelowRows: 1000, simulation: NOISY(7), spawnWorker: sourceFactory([]) })
    const got = await Promise.all(calls.map((rows) => pool.forwardNanoamps(rows, rows.length / definition.inputCount)))
    got.forEach((values, i) => expect(bits(values), `call ${i}`).toEqual(bits(expected[i]!)))
  })

  it('runs a noisy GA identically with 1 and 3 workers', async () => {
    const rng = new Rng(3)
    const taskInputs = Array.from({ length: 120 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)])
    const targets = taskInputs.map(([a, b]) => (a! * b! > 0 ? 1 : 0))
    const run = async (processor: Processor): Promise<GaResult> => {
      const dnpu = Dnpu.forProcessor(processor, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
      const setup = {
        processor,
        dnpu,
        taskInputs,
        targets,
        partition: [5, 20] as [number, number],
        generations: 4,
        fitness: 'corr_fit' as const,
        stopThreshold: 2,
        seed: 9
      }
      return new GaTrainer(setup).run()
    }
    const single = new SurrogateModel(definition, NOISY(5))
    const expected = await run(single)
    single.dispose()
    const got = await run(
      newPool({ workers: 3, inThreadBelowRows: 0, simulation: NOISY(5), spawnWorker: sourceFactory([]) })
    )
    expect(got).toEqual(expected)
    expect(got.history.fitness).toHaveLength(4)
  })

  it('evaluates small calls, and every call with workers: 1, in the calling thread without starting a worker', async () => {
    const spawned: Spawned[] = []
    const rows = randomRows(104, 11)
    const [expected] = await singleModel({}, [rows])
    const pool = newPool({ workers: 2, spawnWorker: sourceFactory(spawned) })
    expect(bits(await pool.forwardNanoamps(rows, 104))).toEqual(bits(expected!))
    const big = randomRows(3000, 12)
    await newPool({ workers: 1, inThreadBelowRows: 0, spawnWorker: sourceFactory(spawned) }).forwardNanoamps(big, 3000)
    expect(spawned).toHaveLength(0)
  })

  it('dispose() terminates the workers, and the pool refuses further calls', async () => {
    const spawned: Spawned[] = []
    const pool = newPool({ workers: 3, spawnWorker: sourceFactory(spawned) })
    await pool.start()
    expect(spawned).toHaveLength(2)
    await pool.dispose()
    expect(await Promise.all(spawned.map((s) => s.exited))).toHaveLength(2)
    await expect(pool.forwardNanoamps(randomRows(1, 1), 1)).rejects.toThrow(/after dispose/)
  })

  it('dispose() during start or during a call rejects what is pending instead of hanging', async () => {
    const spawned: Spawned[] = []
    const starting = newPool({ workers: 3, spawnWorker: sourceFactory(spawned) })
    const started = starting.start()
    await starting.dispose()
    await expect(started).rejects.toThrow(/disposed/)

    let pool: EvaluationPool | null = null
    pool = newPool({
      workers: 2,
      inThreadBelowRows: 0,
      spawnWorker: sourceFactory(spawned, () => void pool!.dispose())
    })
    await expect(pool.forwardNanoamps(randomRows(5001, 17), 5001)).rejects.toThrow(
      /^EvaluationPool: disposed during forwardNanoamps$/
    )
    // Every worker started here is gone.
    expect(await Promise.all(spawned.map((s) => s.exited))).toHaveLength(spawned.length)
  })

  it('rejects the pending call naming the worker when it dies mid-call, and every call after', async () => {
    // The worker is killed right after it was handed its rows, before it can answer.
    const pool = newPool({
      workers: 2,
      inThreadBelowRows: 0,
      spawnWorker: sourceFactory([], (entry) => void entry.worker.terminate())
    })
    await expect(pool.forwardNanoamps(randomRows(5001, 13), 5001)).rejects.toThrow(
      /^evaluation worker 1 of 1 \(dnpu-evaluation-1\) exited unexpectedly \(exit code 1\) \(while evaluating rows 2500\.\.5000\)$/
    )
    await expect(pool.forwardNanoamps(randomRows(2, 14), 2)).rejects.toThrow(
      /unusable \(dispose it\): evaluation worker 1 of 1 \(dnpu-evaluation-1\) exited/
    )
  })

  it('rejects (never hangs) when a worker exits without answering', async () => {
    const quitter = `
      const { parentPort, workerData } = require('node:worker_threads')
      parentPort.postMessage({ type: 'ready', computeBackend: workerData.computeBackend })
      parentPort.on('message', () => process.exit(7))`
    const pool = newPool({ workers: 3, inThreadBelowRows: 0, spawnWorker: scriptFactory(quitter) })
    await expect(pool.forwardNanoamps(randomRows(30, 15), 30)).rejects.toThrow(
      /^evaluation worker 1 of 2 \(dnpu-evaluation-1\) exited unexpectedly \(exit code 7\)/
    )
  })

  it('names the worker that crashed at start, or could not be started', async () => {
    const crashing = newPool({ workers: 3, spawnWorker: scriptFactory("throw new Error('no weights here')") })
    await expect(crashing.start()).rejects.toThrow(
      /^evaluation worker \d of 2 \(dnpu-evaluation-\d\) crashed: no weights here$/
    )
    const unstartable = newPool({
      workers: 2,
      spawnWorker: () => {
        throw new Error('worker file missing')
      }
    })
    await expect(unstartable.forwardNanoamps(randomRows(4096, 16), 4096)).rejects.toThrow(
      /^evaluation worker 1 of 1 \(dnpu-evaluation-1\) could not be started: worker file missing$/
    )
  })

  it('refuses workers on another compute backend, since their results would differ', async () => {
    const otherBackend = `
      const { parentPort, workerData } = require('node:worker_threads')
      parentPort.postMessage({ type: 'ready', computeBackend: workerData.computeBackend === 'cpu' ? 'wasm' : 'cpu' })`
    const pool = newPool({ workers: 2, spawnWorker: scriptFactory(otherBackend) })
    await expect(pool.start()).rejects.toThrow(
      /evaluation worker 1 runs on the (cpu|wasm) compute backend but this thread on \w+/
    )
  })

  it('names the bad option or input', async () => {
    expect(() => new EvaluationPool({ definition, workers: 0 })).toThrow(/workers must be an integer >= 1, got 0/)
    expect(() => new EvaluationPool({ definition, workers: 1.5 })).toThrow(/workers must be an integer >= 1, got 1.5/)
    expect(() => new EvaluationPool({ definition, inThreadBelowRows: -1 })).toThrow(
      /inThreadBelowRows must be an integer >= 0/
    )
    expect(
      () => new EvaluationPool({ definition, simulation: { outputNoise: { stdNanoamps: -1, rng: new Rng(1) } } })
    ).toThrow(/noise std/)
    expect(() => new EvaluationPool({ definition, simulation: { clippingValueNanoamps: [5, -5] } })).toThrow(/lo < hi/)
    const pool = newPool({ workers: 1 })
    await expect(pool.forwardNanoamps(new Float32Array(6), 1)).rejects.toThrow(
      /6 values, expected 1 rows x 7 electrodes/
    )
    await expect(pool.forwardNanoamps(new Float32Array(0), -1)).rejects.toThrow(
      /rowCount must be a non-negative integer/
    )
  })
})

/** One DifferentiableSurrogate over all rows: outputs and the input gradient for `outputGradient`. */
async function singleGradient(
  rows: Float32Array,
  outputGradient: Float32Array
): Promise<{ outputs: Float32Array; gradient: Float32Array }> {
  const surrogate = await DifferentiableSurrogate.create(definition, CLIPPING)
  try {
    const pass = await surrogate.forwardWithGradient(rows, rows.length / definition.inputCount)
    const gradient = await pass.inputGradient(outputGradient)
    pass.dispose()
    return { outputs: pass.outputsNanoamps, gradient }
  } finally {
    surrogate.dispose()
  }
}

// Narrow clipping so some outputs saturate (zero gradient there) and others do not.
const CLIPPING = { amplification: 40, clippingValueNanoamps: [-30, 30] as [number, number] }

function randomGradient(rowCount: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  return Float32Array.from({ length: rowCount * definition.outputCount }, () => rng.uniform(-2, 2))
}

/** A small ring-task GdTrainer setup on the demo surrogate (batches of 300 and a last one of 100). */
function ringSetup(createProcessor: GdTrainerSetup['createProcessor']): GdTrainerSetup {
  const ring = splitDataset(
    generateRingData({ sampleCount: 1000, gap: 0.4, seed: 4 }),
    { train: 0.7, validation: 0.3, test: 0 },
    4
  )
  const dnpu = new Dnpu({
    activationElectrodeCount: definition.inputCount,
    voltageRangesVolts: definition.voltageRangesVolts,
    dataElectrodes: [1, 2],
    inputRange: [-1, 1]
  })
  return {
    definition,
    dnpu,
    train: ring.train,
    validation: ring.validation,
    epochs: 3,
    batchSize: 300,
    learningRate: 0.05,
    optimizer: 'adam',
    constraint: 'clip',
    loss: 'fisher',
    seed: 12,
    createProcessor
  }
}

describe('EvaluationPool.forwardWithGradient', () => {
  it.each([1, 2, 3])(
    'matches one DifferentiableSurrogate bit for bit with %i thread(s), rows not divisible by N',
    async (workers) => {
      const spawned: Spawned[] = []
      const pool = newPool({
        workers,
        simulation: CLIPPING,
        gradientInThreadBelowRows: 0,
        spawnWorker: sourceFactory(spawned)
      })
      for (const [i, rowCount] of [1001, 2, 0, 512].entries()) {
        const rows = randomRows(rowCount, 20 + i)
        const outputGradient = randomGradient(rowCount, 30 + i)
        const expected = await singleGradient(rows, outputGradient)
        const pass = await pool.forwardWithGradient(rows, rowCount)
        expect(bits(pass.outputsNanoamps), `outputs of call ${i}`).toEqual(bits(expected.outputs))
        expect(bits(await pass.inputGradient(outputGradient)), `gradient of call ${i}`).toEqual(bits(expected.gradient))
        pass.dispose()
      }
      // The case is a real one: saturated rows (zero gradient) and others.
      const { outputs } = await singleGradient(randomRows(1001, 20), randomGradient(1001, 30))
      expect(Array.from(outputs).filter((v) => Math.abs(v) === 30).length).toBeGreaterThan(10)
      expect(Array.from(outputs).filter((v) => Math.abs(v) < 30).length).toBeGreaterThan(10)
      // The split really happened, in two phases per call, each pass freed after.
      const shares = {
        1: [],
        2: [[501, 501, 1, 1, 256, 256]],
        3: [
          [334, 334, 1, 1, 171, 171],
          [334, 334, 1, 1, 171, 171]
        ]
      }[workers]
      expect(spawned.map((s) => s.postedRowCounts)).toEqual(shares)
      if (workers > 1)
        expect(spawned[0]!.postedTypes.slice(0, 3)).toEqual(['forwardWithGradient', 'inputGradient', 'disposePass'])
    }
  )

  it('runs a whole GdTrainer identically with 1 and 2 threads and with its own surrogate', async () => {
    const own = await GdTrainer.create(ringSetup(undefined))
    const expected = await own.run()
    const expectedOutputs = await own.outputsNanoamps(ringSetup(undefined).validation!.inputs)
    own.dispose()
    for (const workers of [1, 2]) {
      const spawned: Spawned[] = []
      const trainer = await GdTrainer.create(
        ringSetup((pooled, simulation) => {
          const pool = new EvaluationPool({
            definition: pooled,
            simulation,
            workers,
            gradientInThreadBelowRows: 100,
            spawnWorker: sourceFactory(spawned)
          })
          pools.push(pool)
          return pool
        })
      )
      expect(await trainer.run(), `${workers} thread(s)`).toEqual(expected)
      expect(await trainer.outputsNanoamps(ringSetup(undefined).validation!.inputs)).toEqual(expectedOutputs)
      trainer.dispose()
      expect(spawned).toHaveLength(workers - 1)
      if (workers === 2) expect(spawned[0]!.postedTypes.filter((t) => t === 'inputGradient')).toHaveLength(3 * 3)
    }
    expect(expected.trainLosses).toHaveLength(3)
    expect(new Set(expected.trainLosses).size).toBe(3)
  })

  it('keeps batches below gradientInThreadBelowRows in the calling thread', async () => {
    const spawned: Spawned[] = []
    const pool = newPool({ workers: 2, spawnWorker: sourceFactory(spawned) })
    const rows = randomRows(100, 40)
    const pass = await pool.forwardWithGradient(rows, 100)
    await pass.inputGradient(randomGradient(100, 41))
    pass.dispose()
    expect(spawned).toHaveLength(0)
  })

  it('rejects the pending gradient naming the worker when it dies between the phases, and every call after', async () => {
    // The worker is killed instead of being handed its share of the gradient, so it never answers.
    const killedOnGradient = (options: WorkerOptions): Worker => {
      const worker = new Worker(workerFile, options)
      const post = worker.postMessage.bind(worker)
      worker.postMessage = (message: { type: string }, transfer?: readonly ArrayBuffer[]) => {
        if (message.type === 'inputGradient') void worker.terminate()
        else post(message, transfer)
      }
      return worker
    }
    const pool = newPool({
      workers: 2,
      gradientInThreadBelowRows: 0,
      spawnWorker: recordingFactory(killedOnGradient, [])
    })
    const pass = await pool.forwardWithGradient(randomRows(601, 42), 601)
    await expect(pass.inputGradient(randomGradient(601, 43))).rejects.toThrow(
      /^evaluation worker 1 of 1 \(dnpu-evaluation-1\) exited unexpectedly \(exit code 1\) \(while evaluating rows 300\.\.600 \(input gradient\)\)$/
    )
    pass.dispose()
    await expect(pool.forwardWithGradient(randomRows(2, 44), 2)).rejects.toThrow(
      /unusable \(dispose it\): evaluation worker 1 of 1/
    )
  })

  it('rejects (never hangs) when a worker exits on a gradient forward', async () => {
    const quitter = `
      const { parentPort, workerData } = require('node:worker_threads')
      parentPort.postMessage({ type: 'ready', computeBackend: workerData.computeBackend })
      parentPort.on('message', () => process.exit(9))`
    const pool = newPool({ workers: 2, gradientInThreadBelowRows: 0, spawnWorker: scriptFactory(quitter) })
    await expect(pool.forwardWithGradient(randomRows(30, 45), 30)).rejects.toThrow(
      /^evaluation worker 1 of 1 \(dnpu-evaluation-1\) exited unexpectedly \(exit code 9\)/
    )
  })

  it('names the bad option or input, and refuses output noise and a disposed pass', async () => {
    expect(() => new EvaluationPool({ definition, gradientInThreadBelowRows: -1 })).toThrow(
      /gradientInThreadBelowRows must be an integer >= 0/
    )
    await expect(
      newPool({ workers: 1, simulation: NOISY(1) }).forwardWithGradient(randomRows(2, 46), 2)
    ).rejects.toThrow(/noise is not differentiable/)
    const pool = newPool({ workers: 1 })
    await expect(pool.forwardWithGradient(new Float32Array(6), 1)).rejects.toThrow(
      /6 values, expected 1 rows x 7 electrodes/
    )
    const pass = await pool.forwardWithGradient(randomRows(3, 47), 3)
    await expect(pass.inputGradient(new Float32Array(2))).rejects.toThrow(/outputGradient has 2 values, expected 3 x 1/)
    pass.dispose()
    await expect(pass.inputGradient(new Float32Array(3))).rejects.toThrow(/inputGradient after dispose/)
    await pool.dispose()
    await expect(pool.forwardWithGradient(randomRows(1, 48), 1)).rejects.toThrow(/forwardWithGradient after dispose/)
  })
})
