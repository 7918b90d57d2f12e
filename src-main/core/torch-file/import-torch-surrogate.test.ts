import { describe, expect, it } from 'vitest'
import { parseSurrogateJson } from '../surrogate-definition.js'
import { SurrogateModel } from '../surrogate.js'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { readDemoSurrogateJson, readExpected, readFixture } from './__fixtures__/read-fixture.js'

/** 1e-4 relative, or 1e-3 nA absolute near 0 (float32 forwards in two different libraries). */
function expectCloseNanoamps(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length)
  expected.forEach((want, i) => {
    const tolerance = Math.max(1e-4 * Math.abs(want), 1e-3)
    expect(Math.abs(actual[i]! - want), `row ${i}: got ${actual[i]} nA, PyTorch gave ${want} nA`).toBeLessThanOrEqual(
      tolerance
    )
  })
}

async function forward(fileName: string, expectedName: 'small-elu' | 'small-tanh' | 'defaults-missing') {
  const { definition } = importTorchSurrogate(readFixture(fileName))
  const expected = readExpected(expectedName)
  const model = new SurrogateModel(definition)
  try {
    const outputs = await model.forwardNanoamps(Float32Array.from(expected.inputs.flat()), expected.inputs.length)
    return { outputs, expected, model }
  } finally {
    model.dispose()
  }
}

describe('importTorchSurrogate on PyTorch-written files', () => {
  it.each([
    ['small-elu.pt', 'small-elu'],
    ['small-tanh.pt', 'small-tanh'],
    ['defaults-missing.pt', 'defaults-missing'],
    // Written by make-extra-fixtures.py with PyTorch 1.13 from the two small models above.
    ['small-elu-legacy.pt', 'small-elu'],
    ['small-elu-parameters.pt', 'small-elu'],
    ['small-elu-deflated.pt', 'small-elu'],
    ['small-tanh-float64.pt', 'small-tanh'],
    ['small-tanh-float64-legacy.pt', 'small-tanh']
  ] as const)('%s reproduces PyTorch outputs', async (fileName, expectedName) => {
    const { outputs, expected } = await forward(fileName, expectedName)
    expectCloseNanoamps(outputs, expected.outputs_nA)
  })

  it('the float64 reference forward matches PyTorch float64 closely', () => {
    const { definition } = importTorchSurrogate(readFixture('small-tanh-float64.pt'))
    const expected = readExpected('small-tanh')
    const model = new SurrogateModel(definition)
    const rows = model.forwardNanoampsReference(expected.inputs).map((row) => row[0]!)
    rows.forEach((value, i) => expect(value).toBeCloseTo(expected.outputs_nA_float64_forward[i]!, 9))
  })

  it('reads the structure and electrode info of small-elu.pt', () => {
    const { definition, warnings, file, info } = importTorchSurrogate(readFixture('small-elu.pt'))
    expect(file).toEqual({ format: 'zip', archiveName: 'small-elu', formatVersion: 3 })
    expect(warnings).toEqual([])
    expect(definition.activation).toBe('elu')
    expect(definition.hiddenSizes).toEqual([8])
    expect(definition.inputCount).toBe(7)
    expect(definition.outputCount).toBe(1)
    expect(definition.amplification).toEqual([10])
    expect(definition.clippingValueNanoamps).toEqual([-50, 50])
    expect(definition.layers.map((layer) => [layer.weight.length, layer.weight[0]!.length])).toEqual([
      [8, 7],
      [1, 8]
    ])
    expect(info).toEqual(definition.info)
    expect(info['model_structure']).toEqual({ D_in: 7, D_out: 1, hidden_sizes: [8], activation: 'elu' })
  })

  it('reports the legacy format', () => {
    const { file, definition } = importTorchSurrogate(readFixture('small-elu-legacy.pt'))
    expect(file).toEqual({ format: 'legacy', archiveName: null, formatVersion: 1001 })
    const zip = importTorchSurrogate(readFixture('small-elu.pt')).definition
    expect(definition).toEqual(zip)
  })

  it('applies and lists the reference defaults for defaults-missing.pt', () => {
    const { definition, warnings, info } = importTorchSurrogate(readFixture('defaults-missing.pt'))
    expect(warnings).toEqual([
      'info.model_structure.hidden_sizes is missing: using the reference default [90, 90, 90, 90, 90, 90]',
      'info.model_structure.activation is missing: using the reference default relu'
    ])
    expect(definition.hiddenSizes).toEqual([90, 90, 90, 90, 90, 90])
    expect(definition.activation).toBe('relu')
    // The info is kept as stored: the defaults are not written into it.
    expect(info['model_structure']).toEqual({ D_in: 7, D_out: 1 })
  })

  it('demo-surrogate.pt imports to exactly the weights of its JSON form', async () => {
    const imported = importTorchSurrogate(readFixture('demo-surrogate.pt'))
    const fromJson = parseSurrogateJson(readDemoSurrogateJson())
    expect(imported.warnings).toEqual([])
    expect(imported.definition.layers).toEqual(fromJson.layers)
    expect(imported.definition).toEqual(fromJson)
    expect(imported.definition.clippingValueNanoamps).toEqual([-109.2, 101.1])
  })
})
