import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { DifferentiableSurrogate } from '../gd/differentiable-surrogate.js'
import { Rng } from '../rng.js'
import {
  ACTIVATION_NAMES,
  parseSurrogateJson,
  SurrogateModel,
  type ActivationName,
  type SurrogateDefinition
} from '../surrogate.js'
import { importTorchSurrogate } from '../torch-file/index.js'
import { readFixture } from '../torch-file/__fixtures__/read-fixture.js'
import { MlpKernel, mlpKernelVariant, usesMlpKernel } from './mlp-kernel.js'

const demo = parseSurrogateJson(DEMO_SURROGATE_JSON)

/**
 * A random MLP whose widths pad to every chunk shape of the kernel: 16 -> one 4, 17 -> 4 + an
 * overlapping 4, 52 -> 6 + 6 + an overlapping 6, 24 -> one 6, 9 -> 3 single vectors, 2 -> one
 * vector; 5 inputs and 2 outputs.
 */
function randomDefinition(
  activation: ActivationName,
  seed: number,
  sizes = [5, 16, 17, 52, 24, 9, 2]
): SurrogateDefinition {
  const rng = new Rng(seed)
  const layers = sizes.slice(1).map((out, l) => {
    const inCount = sizes[l]!
    const bound = 1.5 / Math.sqrt(inCount)
    return {
      weight: Array.from({ length: out }, () => Array.from({ length: inCount }, () => rng.uniform(-bound, bound))),
      bias: Array.from({ length: out }, () => rng.uniform(-0.3, 0.3))
    }
  })
  return {
    inputCount: sizes[0]!,
    outputCount: sizes[sizes.length - 1]!,
    hiddenSizes: sizes.slice(1, -1),
    activation,
    voltageRangesVolts: Array.from({ length: sizes[0]! }, (): [number, number] => [-1.2, 0.8]),
    amplification: Array.from({ length: sizes[sizes.length - 1]! }, (_, o) => 10 + 5 * o),
    clippingValueNanoamps: [-1e9, 1e9],
    layers,
    info: {}
  }
}

function torchFixture(name: 'small-elu.pt' | 'small-tanh.pt'): SurrogateDefinition {
  return importTorchSurrogate(readFixture(name)).definition
}

function randomRows(definition: SurrogateDefinition, count: number, seed: number): Float32Array {
  const rng = new Rng(seed)
  const rows = new Float32Array(count * definition.inputCount)
  for (let r = 0; r < count; r += 1) {
    definition.voltageRangesVolts.forEach(([lo, hi], i) => (rows[r * definition.inputCount + i] = rng.uniform(lo, hi)))
  }
  return rows
}

function kernelFor(definition: SurrogateDefinition, clipping = definition.clippingValueNanoamps): Promise<MlpKernel> {
  return MlpKernel.create({
    layers: definition.layers,
    activation: definition.activation,
    amplification: definition.amplification,
    clippingValueNanoamps: clipping
  })
}

/** The float64 reference forward of SurrogateModel, flattened. */
function referenceOutputs(definition: SurrogateDefinition, rows: Float32Array): Float64Array {
  const model = new SurrogateModel(definition)
  const asRows = Array.from({ length: rows.length / definition.inputCount }, (_, r) =>
    Array.from(rows.subarray(r * definition.inputCount, (r + 1) * definition.inputCount))
  )
  return Float64Array.from(model.forwardNanoampsReference(asRows).flat())
}

/** |actual - expected| <= tolerance x the largest |expected| (a float32 forward vs float64). */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length)
  let scale = 0
  for (let i = 0; i < expected.length; i += 1) scale = Math.max(scale, Math.abs(expected[i]!))
  let worst = 0
  for (let i = 0; i < expected.length; i += 1) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!))
  expect(worst).toBeLessThanOrEqual(tolerance * Math.max(scale, 1e-6))
}

describe('MlpKernel forward', () => {
  it.each(ACTIVATION_NAMES)('equals the float64 reference forward (%s, every chunk shape)', async (activation) => {
    const definition = randomDefinition(activation, 3)
    const rows = randomRows(definition, 300, 4)
    const kernel = await kernelFor(definition)
    expectClose(kernel.forward(rows, 300, true), referenceOutputs(definition, rows), 1e-5)
  })

  it('equals the float64 reference forward on the demo surrogate, clipped outputs included', async () => {
    const rows = randomRows(demo, 2000, 5)
    const kernel = await kernelFor(demo)
    const outputs = kernel.forward(rows, 2000, true)
    const expected = referenceOutputs(demo, rows)
    expectClose(outputs, expected, 1e-5)
    // The demo clips some outputs: those must sit exactly on the (float32) bound.
    const [lo, hi] = demo.clippingValueNanoamps
    const clipped = outputs.filter((value, i) => expected[i]! <= lo || expected[i]! >= hi)
    expect(clipped.length).toBeGreaterThan(0)
    clipped.forEach((value) => expect([Math.fround(lo), Math.fround(hi)]).toContain(value))
  })

  it.each(['small-elu.pt', 'small-tanh.pt'] as const)(
    'equals the float64 reference forward on the torch fixture %s',
    async (name) => {
      const definition = torchFixture(name)
      const rows = randomRows(definition, 500, 6)
      const kernel = await kernelFor(definition)
      expectClose(kernel.forward(rows, 500, true), referenceOutputs(definition, rows), 1e-5)
    }
  )

  it('equals the tfjs forward of SurrogateModel within float32 rounding', async () => {
    const rows = randomRows(demo, 500, 7)
    const tfjs = await new SurrogateModel(demo).forwardNanoamps(rows, 500)
    const kernel = await kernelFor(demo)
    expectClose(kernel.forward(rows, 500, true), tfjs, 1e-5)
  })

  it('gives a row the same bits whatever call, block or position it is evaluated in', async () => {
    const rows = randomRows(demo, 2500, 8) // over two blocks of 1024 rows
    const kernel = await kernelFor(demo)
    const all = kernel.forward(rows, 2500, false)
    const one = kernel.forward(rows.slice(1500 * 7, 1501 * 7), 1, false)
    expect(one[0]).toBe(all[1500])
    const tail = kernel.forward(rows.slice(1000 * 7), 1500, false)
    expect(tail).toEqual(all.slice(1000))
  })

  it('clips only when asked to', async () => {
    const definition = randomDefinition('relu', 9)
    const rows = randomRows(definition, 200, 10)
    const unclipped = (await kernelFor(definition)).forward(rows, 200, false)
    const sorted = Array.from(unclipped).sort((a, b) => a - b)
    const clipping: [number, number] = [sorted[40]!, sorted[360]!]
    const kernel = await kernelFor(definition, clipping)
    expect(kernel.forward(rows, 200, false)).toEqual(unclipped)
    const clipped = kernel.forward(rows, 200, true)
    expect(clipped).toEqual(
      unclipped.map((v) => Math.min(Math.fround(clipping[1]), Math.max(Math.fround(clipping[0]), v)))
    )
    expect(clipped).not.toEqual(unclipped)
  })

  it('returns nothing for no rows and refuses malformed calls and models', async () => {
    const kernel = await kernelFor(demo)
    expect(kernel.forward(new Float32Array(0), 0, true)).toEqual(new Float32Array(0))
    expect(() => kernel.forward(new Float32Array(13), 2, true)).toThrow(
      /inputsVolts has 13 values, expected 2 rows x 7/
    )
    expect(() => kernel.forward(new Float32Array(0), -1, true)).toThrow(/rowCount must be a non-negative integer/)
    const pass = kernel.forwardKeeping(new Float32Array(14), 2)
    expect(() => kernel.inputGradient(pass, new Float32Array(3), 2)).toThrow(
      /outputGradient has 3 values, expected 2 rows x 1/
    )
    expect(() => kernel.inputGradient(pass, new Float32Array(1), 1)).toThrow(/does not hold 1 rows \(it holds 2\)/)
    kernel.release(pass)
    expect(() => kernel.inputGradient(pass, new Float32Array(2), 2)).toThrow(/this pass was released/)
    const broken = randomDefinition('relu', 1, [3, 4, 2])
    broken.layers[1]!.weight = [
      [1, 2, 3],
      [4, 5, 6]
    ]
    await expect(kernelFor(broken)).rejects.toThrow(/layer 1 takes 3 inputs, layer 0 gives 4/)
    await expect(MlpKernel.create({ ...demo, amplification: [1, 2] })).rejects.toThrow(
      /2 amplification values for 1 outputs/
    )
  })
})

describe('MlpKernel input gradient', () => {
  /** A clipping window that clips about 20% of the outputs at each end, no output on a bound. */
  async function clippingWindow(
    definition: SurrogateDefinition,
    rows: Float32Array,
    count: number
  ): Promise<[number, number]> {
    const sorted = Array.from((await kernelFor(definition)).forward(rows, count, false)).sort((a, b) => a - b)
    const at = (q: number): number =>
      (sorted[Math.floor(q * sorted.length)]! + sorted[Math.floor(q * sorted.length) + 1]!) / 2
    return [at(0.2), at(0.8)]
  }

  const cases: [string, () => SurrogateDefinition][] = [
    ...ACTIVATION_NAMES.map((activation): [string, () => SurrogateDefinition] => [
      `random ${activation}`,
      () => randomDefinition(activation, 11)
    ]),
    ...ACTIVATION_NAMES.map((activation): [string, () => SurrogateDefinition] => [
      `demo with ${activation}`,
      () => ({ ...demo, activation })
    ]),
    ['torch small-elu', () => torchFixture('small-elu.pt')],
    ['torch small-tanh', () => torchFixture('small-tanh.pt')]
  ]

  it.each(cases)('equals DifferentiableSurrogate (%s, some outputs clipped)', async (_, makeDefinition) => {
    const definition = makeDefinition()
    const count = 300
    const rows = randomRows(definition, count, 12)
    const clippingValueNanoamps = await clippingWindow(definition, rows, count)
    const rng = new Rng(13)
    const outputGradient = Float32Array.from({ length: count * definition.outputCount }, () => rng.uniform(-1, 1))

    const reference = await DifferentiableSurrogate.create(definition, { clippingValueNanoamps })
    const referencePass = await reference.forwardWithGradient(rows, count)
    const expectedGradient = await referencePass.inputGradient(outputGradient)
    const kernel = await kernelFor(definition, clippingValueNanoamps)
    const pass = kernel.forwardKeeping(rows, count)
    try {
      expectClose(pass.outputsNanoamps, referencePass.outputsNanoamps, 1e-5)
      const gradient = kernel.inputGradient(pass, outputGradient, count)
      expectClose(gradient, expectedGradient, 1e-4)
      // The window clips part of the outputs (whose rows then pass no gradient through them).
      const [lo, hi] = clippingValueNanoamps.map(Math.fround) as [number, number]
      const onBound = pass.outputsNanoamps.filter((value) => value === lo || value === hi).length
      expect(onBound).toBeGreaterThan(pass.outputsNanoamps.length / 10)
      expect(onBound).toBeLessThan(pass.outputsNanoamps.length * 0.9)
    } finally {
      referencePass.dispose()
      reference.dispose()
    }
  })

  it('keeps passes apart: a later pass does not change an earlier one', async () => {
    const kernel = await kernelFor(demo)
    const rowsA = randomRows(demo, 1500, 14)
    const rowsB = randomRows(demo, 700, 15)
    const ones = (n: number): Float32Array => new Float32Array(n).fill(1)
    const passA = kernel.forwardKeeping(rowsA, 1500)
    const alone = kernel.inputGradient(passA, ones(1500), 1500)
    const passB = kernel.forwardKeeping(rowsB, 700)
    expect(kernel.inputGradient(passA, ones(1500), 1500)).toEqual(alone)
    const fresh = await kernelFor(demo)
    expect(kernel.inputGradient(passB, ones(700), 700)).toEqual(
      fresh.inputGradient(fresh.forwardKeeping(rowsB, 700), ones(700), 700)
    )
    expect(passA.outputsNanoamps).toEqual(kernel.forward(rowsA, 1500, true))
  })

  it("reuses a released pass's memory for a later pass, and grows for passes held at once", async () => {
    const kernel = await kernelFor(demo)
    const ones = (n: number): Float32Array => new Float32Array(n).fill(1)
    const rows = randomRows(demo, 600, 16)
    const expected = kernel.inputGradient(kernel.forwardKeeping(rows, 600), ones(600), 600)
    const memory = (): number =>
      (kernel as unknown as { exports: { memory: WebAssembly.Memory } }).exports.memory.buffer.byteLength
    const held = Array.from({ length: 4 }, () => kernel.forwardKeeping(rows, 600))
    const grown = memory()
    held.forEach((pass) => kernel.release(pass))
    for (let i = 0; i < 8; i += 1) {
      const pass = kernel.forwardKeeping(rows, 600)
      expect(kernel.inputGradient(pass, ones(600), 600)).toEqual(expected)
      kernel.release(pass)
    }
    expect(memory()).toBe(grown)
  })
})

describe('mlpKernelVariant', () => {
  it('finds a build this runtime runs (Node 20+ has fixed-width SIMD)', () => {
    expect(['wasm-simd', 'wasm-relaxed-simd-fma']).toContain(mlpKernelVariant())
  })

  it('puts only ReLU surrogates on the kernel (the others have no zeros to skip)', () => {
    expect(usesMlpKernel('relu')).toBe(true)
    expect(['elu', 'tanh', 'hard-tanh', 'sigmoid'].filter((a) => usesMlpKernel(a as ActivationName))).toEqual([])
  })
})
