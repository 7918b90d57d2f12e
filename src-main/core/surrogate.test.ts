import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from './__fixtures__/demo-surrogate.js'
import { Rng } from './rng.js'
import { parseSurrogateJson, SurrogateFormatError, SurrogateModel } from './surrogate.js'

// The tests break arbitrary keys of the parsed JSON, which has no static type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type MutableJson = Record<string, any>

function demoCopy(): MutableJson {
  return structuredClone(DEMO_SURROGATE_JSON) as MutableJson
}

function randomRows(model: SurrogateModel, count: number, rng: Rng): number[][] {
  return Array.from({ length: count }, () => model.voltageRangesVolts.map(([lo, hi]) => rng.uniform(lo, hi)))
}

describe('parseSurrogateJson', () => {
  it('reads the demo surrogate', () => {
    const definition = parseSurrogateJson(DEMO_SURROGATE_JSON)
    expect(definition.inputCount).toBe(7)
    expect(definition.outputCount).toBe(1)
    expect(definition.hiddenSizes).toEqual([90, 90, 90, 90, 90])
    expect(definition.activation).toBe('relu')
    expect(definition.voltageRangesVolts[1]).toEqual([-0.95, 0.55])
    expect(definition.amplification).toEqual([28.5])
    expect(definition.clippingValueNanoamps).toEqual([-109.2, 101.1])
    expect(definition.layers).toHaveLength(6)
  })

  it('fills brainspy defaults for missing model_structure keys', () => {
    const json = demoCopy()
    delete json.info.model_structure
    delete json.activation
    const definition = parseSurrogateJson(json)
    expect(definition.activation).toBe('relu')
    expect(definition.inputCount).toBe(7)
  })

  const broken: [string, (json: MutableJson) => void, RegExp][] = [
    ['missing info', (j) => delete j.info, /info is missing/],
    [
      'missing voltage ranges',
      (j) => delete j.info.electrode_info.activation_electrodes.voltage_ranges,
      /voltage_ranges is missing/
    ],
    [
      'inverted range',
      (j) => (j.info.electrode_info.activation_electrodes.voltage_ranges[2] = [0.6, -1]),
      /voltage_ranges\[2\] is inverted/
    ],
    ['wrong range count', (j) => j.info.electrode_info.activation_electrodes.voltage_ranges.pop(), /electrode_no|D_in/],
    ['unknown activation', (j) => (j.activation = 'swish'), /activation must be one of/],
    ['disagreeing activations', (j) => (j.activation = 'tanh'), /model_structure.activation is 'relu'/],
    [
      'non-finite weight',
      (j) => (j.layers[2].weight[3][4] = null),
      /layers\[2\].weight\[3\]\[4\] must be a finite number/
    ],
    ['ragged weight', (j) => j.layers[1].weight[5].pop(), /layers\[1\].weight\[5\] has 89 columns/],
    ['bias size', (j) => j.layers[0].bias.pop(), /layers\[0\].bias has 89 entries/],
    [
      'layer chain',
      (j) => j.layers.splice(2, 1, { weight: [[1, 2]], bias: [0] }),
      /layers\[2\].weight is 1 x 2 but layers\[1\] has 90 outputs/
    ],
    ['declared hidden sizes', (j) => (j.info.model_structure.hidden_sizes = [90, 90]), /hidden_sizes/],
    [
      'inverted clipping',
      (j) => (j.info.electrode_info.output_electrodes.clipping_value = [10, -10]),
      /clipping_value is inverted/
    ],
    [
      'missing amplification',
      (j) => delete j.info.electrode_info.output_electrodes.amplification,
      /amplification is missing/
    ],
    ['unknown format', (j) => (j.format = 'other/9'), /format must be/]
  ]
  it.each(broken)('explains what is wrong: %s', (_label, breakIt, message) => {
    const json = demoCopy()
    breakIt(json)
    expect(() => parseSurrogateJson(json)).toThrow(SurrogateFormatError)
    expect(() => parseSurrogateJson(json)).toThrow(message)
  })

  it('refuses a non-object', () => {
    expect(() => parseSurrogateJson([1, 2])).toThrow(/\(root\) must be an object/)
  })
})

describe('SurrogateModel', () => {
  const model = new SurrogateModel(parseSurrogateJson(DEMO_SURROGATE_JSON))

  it('exposes the device properties', () => {
    expect(model.activationElectrodeCount).toBe(7)
    expect(model.inputCount).toBe(7)
    expect(model.outputCount).toBe(1)
    expect(model.amplification).toEqual([28.5])
    expect(model.clippingValueNanoamps).toEqual([-109.2, 101.1])
  })

  it('tfjs forward equals the float64 reference within float32 tolerance', async () => {
    const rows = randomRows(model, 500, new Rng(2024))
    const outputs = await model.forwardNanoamps(Float32Array.from(rows.flat()), rows.length)
    // Compare against the reference evaluated at the float32-rounded inputs the tfjs path sees.
    const reference = model
      .forwardNanoampsReference(rows.map((row) => Array.from(Float32Array.from(row))))
      .map((r) => r[0]!)
    expect(outputs).toHaveLength(500)
    let worst = 0
    reference.forEach((expected, i) => {
      // Relative to |value| with a 1 nA floor: near-zero currents have no meaningful relative error.
      worst = Math.max(worst, Math.abs(outputs[i]! - expected) / Math.max(Math.abs(expected), 1))
    })
    expect(worst).toBeLessThan(1e-4)
    // The demo device spans tens of nA: make sure we did not compare constants.
    expect(Math.max(...reference) - Math.min(...reference)).toBeGreaterThan(50)
  })

  it('clamps to the clipping value', async () => {
    const clipped = new SurrogateModel({ ...parseSurrogateJson(DEMO_SURROGATE_JSON), clippingValueNanoamps: [-5, 5] })
    const rows = randomRows(clipped, 200, new Rng(1))
    const outputs = await clipped.forwardNanoamps(Float32Array.from(rows.flat()), rows.length)
    const reference = clipped.forwardNanoampsReference(rows).map((r) => r[0]!)
    expect(Math.min(...outputs)).toBe(-5)
    expect(Math.max(...outputs)).toBe(5)
    expect(Math.min(...reference)).toBe(-5)
    expect(Math.max(...reference)).toBe(5)
    clipped.dispose()
    await expect(clipped.forwardNanoamps(new Float32Array(7), 1)).rejects.toThrow(/dispose/)
  })

  it('supports the other activations (tfjs vs reference)', async () => {
    const base = parseSurrogateJson(DEMO_SURROGATE_JSON)
    const rows = randomRows(model, 50, new Rng(9))
    for (const activation of ['elu', 'tanh', 'hard-tanh', 'sigmoid'] as const) {
      const variant = new SurrogateModel({ ...base, activation, clippingValueNanoamps: [-1e6, 1e6] })
      const outputs = await variant.forwardNanoamps(Float32Array.from(rows.flat()), rows.length)
      const reference = variant.forwardNanoampsReference(rows.map((row) => Array.from(Float32Array.from(row))))
      reference.forEach(([expected], i) =>
        expect(Math.abs(outputs[i]! - expected!) / Math.max(Math.abs(expected!), 1)).toBeLessThan(1e-4)
      )
      variant.dispose()
    }
  })

  it('does not leak tensors across forwards', async () => {
    const rows = randomRows(model, 10, new Rng(12))
    const inputs = Float32Array.from(rows.flat())
    await model.forwardNanoamps(inputs, rows.length) // uploads the weights once
    const before = tf.memory().numTensors
    for (let i = 0; i < 5; i += 1) await model.forwardNanoamps(inputs, rows.length)
    expect(tf.memory().numTensors).toBe(before)
  })

  it('checks the input size', async () => {
    await expect(model.forwardNanoamps(new Float32Array(6), 1)).rejects.toThrow(/expected 1 rows x 7/)
    expect(await model.forwardNanoamps(new Float32Array(0), 0)).toHaveLength(0)
  })
})
