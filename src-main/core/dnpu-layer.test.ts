import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from './__fixtures__/demo-surrogate.js'
import { TYPICAL_VOLTAGE_RANGES_VOLTS } from './__fixtures__/typical-voltage-ranges.js'
import { Dnpu } from './dnpu.js'
import { DnpuLayer, DnpuModel, initLinearReadout } from './dnpu-layer.js'
import { linearTransformConstants } from './input-transform.js'
import type { Processor } from './processor.js'
import { Rng } from './rng.js'
import { parseSurrogateJson, SurrogateModel } from './surrogate.js'

const model = new SurrogateModel(parseSurrogateJson(DEMO_SURROGATE_JSON))
const RANGES = TYPICAL_VOLTAGE_RANGES_VOLTS
// Inside, on and outside the task range [-1, 1].
const POINTS = [
  [-1, -1],
  [-1, 1],
  [1, -1],
  [1, 1],
  [0.25, -0.5],
  [3, -2.5]
]

/** A processor over the demo model that counts its forward calls. */
function counting(): { processor: Processor; calls: () => number } {
  let calls = 0
  return {
    processor: {
      activationElectrodeCount: model.activationElectrodeCount,
      voltageRangesVolts: model.voltageRangesVolts,
      clippingValueNanoamps: model.clippingValueNanoamps,
      forwardNanoamps: (inputs, rows) => {
        calls += 1
        return model.forwardNanoamps(inputs, rows)
      }
    },
    calls: () => calls
  }
}

function close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)))
}

function column(rows: number[][], c: number): number[] {
  return rows.map((row) => row[c]!)
}

describe('DnpuLayer', () => {
  it('with one node gives exactly the outputs of Dnpu', async () => {
    const dnpu = Dnpu.forProcessor(model, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
    const rng = new Rng(11)
    const controls = dnpu.controlRangesVolts.map(([lo, hi]) => rng.uniform(lo, hi))
    const layer = new DnpuLayer(model, { dataInputIndices: [[1, 2]], inputRange: [-1, 1], controlVoltages: [controls] })
    expect(layer.controlIndices).toEqual([dnpu.controlElectrodes])
    const [expected] = await dnpu.evaluatePool(model, POINTS, [controls])
    const outputs = await layer.forward(POINTS)
    expect(outputs).toHaveLength(POINTS.length)
    expect(outputs.every((row) => row.length === 1)).toBe(true)
    expect(column(outputs, 0)).toEqual(expected)
    expect(layer.dataVoltages(POINTS)).toEqual(dnpu.dataVoltages(POINTS))
  })

  it('evaluates N nodes in one forward call, equal to N single-node evaluations', async () => {
    const indices = [
      [1, 2],
      [1, 3],
      [3, 4]
    ]
    const { processor, calls } = counting()
    const layer = new DnpuLayer(processor, { dataInputIndices: indices, inputRange: [-1, 1], seed: 5 })
    // brains-py's docstring example: the other electrodes are each node's controls, ascending.
    expect(layer.controlIndices).toEqual([
      [0, 3, 4, 5, 6],
      [0, 2, 4, 5, 6],
      [0, 1, 2, 5, 6]
    ])
    expect(layer.inputCount).toBe(6)
    // Node n reads input columns 2n and 2n + 1: give every node different data.
    const inputs = POINTS.map(([a, b], p) => [a!, b!, b!, -a!, 0.5 * a!, (p % 3) - 1])
    const outputs = await layer.forward(inputs)
    expect(calls()).toBe(1)
    expect(outputs).toHaveLength(inputs.length)
    for (let n = 0; n < indices.length; n += 1) {
      const node = new DnpuLayer(model, {
        dataInputIndices: [indices[n]!],
        inputRange: [-1, 1],
        controlVoltages: [layer.controlVoltages[n]!]
      })
      const single = await node.forward(inputs.map((row) => row.slice(2 * n, 2 * n + 2)))
      column(outputs, n).forEach((v, p) => close(v, single[p]![0]!))
      // The nodes do differ (different electrodes, controls and data).
      if (n > 0) expect(column(outputs, n)).not.toEqual(column(outputs, 0))
    }
  })

  it("places each node's data and controls at its own electrodes (point-major rows)", () => {
    const controls = [
      [0.1, 0.2, 0.3, 0.4, 0.3],
      [-0.1, -0.2, -0.3, -0.4, -0.5]
    ]
    const layer = new DnpuLayer(model, {
      dataInputIndices: [
        [1, 2],
        [6, 0]
      ],
      inputRange: [-1, 1],
      controlVoltages: controls
    })
    const rows = layer.assembleRows([[1, -1, 1, -1]])
    expect(rows).toHaveLength(2 * 7)
    // Node 0: x = 1 -> top of electrode 1's range, x = -1 -> bottom of electrode 2's.
    const node0 = [0.1, RANGES[1]![1], RANGES[2]![0], 0.2, 0.3, 0.4, 0.3]
    // Node 1: electrode 6 gets input 2 (= 1 -> its max), electrode 0 input 3 (= -1 -> its min).
    const node1 = [RANGES[0]![0], -0.1, -0.2, -0.3, -0.4, -0.5, RANGES[6]![1]]
    expect(Array.from(rows.subarray(0, 7))).toEqual(node0.map(Math.fround))
    expect(Array.from(rows.subarray(7, 14))).toEqual(node1.map(Math.fround))
  })

  it('regularizer() measures how far controls are outside their ranges; constraintWeights() clips them', async () => {
    const layer = new DnpuLayer(model, {
      dataInputIndices: [
        [1, 2],
        [3, 4]
      ],
      inputRange: [-1, 1],
      seed: 1
    })
    expect(layer.regularizer()).toBe(0)
    // Node 0 controls on electrodes 0, 3, 4, 5, 6; node 1 on 0, 1, 2, 5, 6.
    layer.setControlVoltages([
      [-0.75, 0, 0.8, 0, 0],
      [0, 0, 0, 0, 1.325]
    ])
    // 0.2 below electrode 0's -0.55, 0.2 above electrode 4's 0.6, 1.0 above electrode 6's 0.325.
    expect(layer.regularizer()).toBeCloseTo(0.2 + 0.2 + 1.0, 12)
    await expect(layer.forward(POINTS.map(([a, b]) => [a!, b!, a!, b!]))).rejects.toThrow(
      /node 0: control voltage -0.75 V on electrode 0 is outside/
    )
    const clipped = layer.constraintWeights()
    expect(clipped).toEqual([
      [-0.55, 0, 0.6, 0, 0],
      [0, 0, 0, 0, 0.325]
    ])
    expect(layer.controlVoltages).toEqual(clipped)
    expect(layer.regularizer()).toBe(0)
    await expect(layer.forward(POINTS.map(([a, b]) => [a!, b!, a!, b!]))).resolves.toHaveLength(POINTS.length)
  })

  it('clips inputs into the input range before the transform only with clipInputs (default on)', async () => {
    const strict = new DnpuLayer(model, { dataInputIndices: [[1, 2]], inputRange: [-1, 1], seed: 2 })
    const loose = new DnpuLayer(model, {
      dataInputIndices: [[1, 2]],
      inputRange: [-1, 1],
      clipInputs: false,
      controlVoltages: strict.controlVoltages
    })
    expect(strict.clipInputs).toBe(true)
    const t1 = linearTransformConstants(RANGES[1]![0], RANGES[1]![1], -1, 1)
    const t2 = linearTransformConstants(RANGES[2]![0], RANGES[2]![1], -1, 1)
    // [3, -2.5] clipped to [1, -1]: the ends of the electrode ranges.
    expect(strict.dataVoltages([[3, -2.5]])[0]).toEqual([1 * t1.scale + t1.offset, -1 * t2.scale + t2.offset])
    expect(loose.dataVoltages([[3, -2.5]])[0]).toEqual([3 * t1.scale + t1.offset, -2.5 * t2.scale + t2.offset])
    const a = await strict.forward(POINTS)
    const b = await loose.forward(POINTS)
    // Points 0-4 are inside [-1, 1] and agree; point 5 is outside and differs.
    expect(a.slice(0, 5)).toEqual(b.slice(0, 5))
    expect(a[5]).not.toEqual(b[5])
  })

  it('takes per-node, per-input ranges, or no transform at all (inputs are volts)', () => {
    const layer = new DnpuLayer(model, {
      dataInputIndices: [[1], [2]],
      inputRange: [[[0, 1]], [[-2, 2]]],
      seed: 3
    })
    const t1 = linearTransformConstants(RANGES[1]![0], RANGES[1]![1], 0, 1)
    const t2 = linearTransformConstants(RANGES[2]![0], RANGES[2]![1], -2, 2)
    expect(layer.dataVoltages([[0.5, 1]])[0]).toEqual([0.5 * t1.scale + t1.offset, 1 * t2.scale + t2.offset])
    const raw = new DnpuLayer(model, { dataInputIndices: [[1, 2]], seed: 3 })
    expect(raw.inputRange).toBeNull()
    expect(raw.clipInputs).toBe(false)
    expect(raw.dataVoltages([[0.3, -2]])).toEqual([[0.3, -2]])
  })

  it('draws seeded initial controls uniformly in their ranges, node by node', () => {
    const indices = [
      [1, 2],
      [3, 4]
    ]
    const a = new DnpuLayer(model, { dataInputIndices: indices, seed: 42 })
    const b = new DnpuLayer(model, { dataInputIndices: indices, seed: 42 })
    const c = new DnpuLayer(model, { dataInputIndices: indices, seed: 43 })
    expect(a.controlVoltages).toEqual(b.controlVoltages)
    expect(a.controlVoltages).not.toEqual(c.controlVoltages)
    const rng = new Rng(42)
    const expected = a.controlRangesVolts.map((node) => node.map(([lo, hi]) => rng.uniform(lo, hi)))
    expect(a.controlVoltages).toEqual(expected)
    expect(a.regularizer()).toBe(0)
    expect(a.initControls(7)).toEqual(new DnpuLayer(model, { dataInputIndices: indices, seed: 7 }).controlVoltages)
  })

  it('accepts tensors for inputs and controls', async () => {
    const layer = new DnpuLayer(model, { dataInputIndices: [[1, 2]], inputRange: [-1, 1], seed: 9 })
    const fromArrays = await layer.forward(POINTS)
    const inputs = tf.tensor2d(POINTS)
    const fromTensor = await layer.forward(inputs)
    inputs.dispose()
    expect(fromTensor).toEqual(fromArrays)
    // Controls exactly representable in float32, so the tensor round trip is exact.
    const controls = [[0.125, -0.25, 0.5, -0.375, 0.25]]
    const tensor = tf.tensor2d(controls)
    layer.setControlVoltages(tensor)
    tensor.dispose()
    expect(layer.controlVoltages).toEqual(controls)
  })

  it('refuses malformed options and inputs with a clear message', async () => {
    expect(() => new DnpuLayer(model, { dataInputIndices: [1, 2] as unknown as number[][] })).toThrow(
      /one list per node/
    )
    expect(() => new DnpuLayer(model, { dataInputIndices: [] })).toThrow(/at least one node/)
    expect(() => new DnpuLayer(model, { dataInputIndices: [[1, 7]] })).toThrow(
      /node 0: 7 is not an activation electrode/
    )
    expect(
      () =>
        new DnpuLayer(model, {
          dataInputIndices: [
            [1, 2],
            [3, 3]
          ]
        })
    ).toThrow(/node 1 has duplicates/)
    expect(() => new DnpuLayer(model, { dataInputIndices: [[1, 2]], inputRange: [1, -1] })).toThrow(
      /inputRange must be/
    )
    expect(() => new DnpuLayer(model, { dataInputIndices: [[1, 2]], inputRange: [[[0, 1]]] })).toThrow(
      /one \[min, max\] per node per data input/
    )
    expect(() => new DnpuLayer(model, { dataInputIndices: [[1, 2]], controlVoltages: [[0, 0, 0, 0]] })).toThrow(
      /node 0 has 4 values, expected 5/
    )
    const layer = new DnpuLayer(model, { dataInputIndices: [[1, 2]], seed: 1 })
    await expect(layer.forward([[1, 2, 3]])).rejects.toThrow(/row 0 has 3 values, expected 2/)
    await expect(layer.forward([[1, Number.NaN]])).rejects.toThrow(/row 0 column 1 is not finite/)
  })
})

describe('Dnpu (one node, controls passed in)', () => {
  it('regularizer() and constraintWeights() agree with a one-node DnpuLayer', () => {
    const dnpu = Dnpu.forProcessor(model, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
    const controls = [-0.75, 0, 0.8, 0, 0.4]
    const layer = new DnpuLayer(model, { dataInputIndices: [[1, 2]], inputRange: [-1, 1], controlVoltages: [controls] })
    // 0.2 below -0.55, 0.2 above 0.6, 0.075 above 0.325.
    expect(dnpu.regularizer(controls)).toBeCloseTo(0.475, 12)
    expect(dnpu.regularizer(controls)).toBe(layer.regularizer())
    expect(dnpu.constraintWeights(controls)).toEqual([-0.55, 0, 0.6, 0, 0.325])
    expect(dnpu.constraintWeights(controls)).toEqual(layer.constraintWeights()[0])
    expect(controls).toEqual([-0.75, 0, 0.8, 0, 0.4])
    expect(() => dnpu.regularizer([0, 0])).toThrow(/2 control voltages given, expected 5/)
  })

  it('evaluatePool takes tensors for the inputs and the pool', async () => {
    const dnpu = Dnpu.forProcessor(model, { dataElectrodes: [1, 2], inputRange: [-1, 1] })
    const pool = [
      [0.125, -0.25, 0.5, -0.375, 0.25],
      [-0.5, 0.5, -0.75, 0.25, 0]
    ]
    const expected = await dnpu.evaluatePool(model, POINTS, pool)
    const inputs = tf.tensor2d(POINTS)
    const controls = tf.tensor2d(pool)
    const actual = await dnpu.evaluatePool(model, inputs, controls)
    tf.dispose([inputs, controls])
    expect(actual).toEqual(expected)
    await expect(dnpu.evaluatePool(model, [1, 2] as unknown as number[][], pool)).rejects.toThrow(
      /taskInputs must be rows x columns/
    )
  })
})

describe('DnpuModel', () => {
  it('chains layers into a linear readout', async () => {
    const first = new DnpuLayer(model, {
      dataInputIndices: [
        [1, 2],
        [1, 2],
        [3, 4]
      ],
      inputRange: [-1, 1],
      seed: 21
    })
    // The second layer maps the first layer's currents (within the clipping value) onto voltages.
    const second = new DnpuLayer(model, {
      dataInputIndices: [
        [1, 2, 3],
        [2, 3, 4]
      ],
      inputRange: [model.clippingValueNanoamps[0], model.clippingValueNanoamps[1]],
      seed: 22
    })
    const readout = { weight: [[0.5, -2]], bias: [0.25] }
    const net = new DnpuModel([first, second], readout)
    expect(net.inputCount).toBe(6)
    expect(net.outputCount).toBe(1)
    const inputs = POINTS.map(([a, b]) => [a!, b!, b!, a!, -a!, 0])
    expect(net.connections).toEqual(['broadcast'])
    const outputs = await net.forward(inputs)
    // Each node of the second layer sees all three outputs of the first.
    const hidden = await second.forward((await first.forward(inputs)).map((row) => [...row, ...row]))
    expect(outputs).toEqual(hidden.map(([u, v]) => [0.25 + 0.5 * u! - 2 * v!]))

    // One input per previous node: 'direct'.
    const third = new DnpuLayer(model, { dataInputIndices: [[1, 2, 3]], inputRange: [-100, 100], seed: 23 })
    const direct = new DnpuModel([first, third], { weight: [[1]], bias: [0] })
    expect(direct.connections).toEqual(['direct'])
    expect(await direct.forward(inputs)).toEqual(await third.forward(await first.forward(inputs)))

    first.setControlVoltages(first.controlVoltages.map((node) => node.map((v, c) => (c === 0 ? 5 : v))))
    expect(net.regularizer()).toBeCloseTo(3 * (5 - RANGES[0]![1]), 12)
    net.constraintWeights()
    expect(net.regularizer()).toBe(0)
  })

  it('initialises readouts like torch.nn.Linear (seeded) and refuses mismatched shapes', () => {
    const readout = initLinearReadout(4, 2, 3)
    expect(readout.weight).toHaveLength(2)
    expect(readout.weight.flat().every((w) => Math.abs(w) <= 0.5)).toBe(true)
    expect(readout.bias.every((b) => Math.abs(b) <= 0.5)).toBe(true)
    expect(initLinearReadout(4, 2, 3)).toEqual(readout)
    const rng = new Rng(3)
    expect(readout.weight[0]![0]).toBe(rng.uniform(-0.5, 0.5))

    const layer = new DnpuLayer(model, {
      dataInputIndices: [
        [1, 2],
        [3, 4]
      ],
      seed: 1
    })
    const single = new DnpuLayer(model, { dataInputIndices: [[1, 2, 3]], seed: 1 })
    expect(() => new DnpuModel([], readout)).toThrow(/at least one DnpuLayer/)
    expect(() => new DnpuModel([layer, single], readout)).toThrow(
      /layer 1 takes 3 inputs but layer 0 has 2 nodes: give it 2 inputs in all, or 2 per node/
    )
    expect(() => new DnpuModel([layer], { weight: [[1, 2, 3]], bias: [0] })).toThrow(/row 0 has 3 values, expected 2/)
    expect(() => new DnpuModel([layer], { weight: [[1, 2]], bias: [0, 1] })).toThrow(/bias has 2 values, expected 1/)
  })
})
