import { describe, expect, it } from 'vitest'
import { pickleToJson } from './pickle-to-json.js'
import { PyBytes, PyDict, PyTuple, type PickleValue } from './pickle-values.js'
import { TorchStorageRef, TorchTensor } from './torch-tensor.js'
import { TorchFileError } from './torch-file-error.js'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { buildLegacyTorchFile, tinyModel } from './__fixtures__/torch-file-builder.js'

function reasonOf(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(TorchFileError)
    return (error as TorchFileError).reason
  }
  throw new Error('expected a TorchFileError')
}

function dict(entries: [string | number | null, PickleValue][]): PyDict {
  const result = new PyDict(false)
  for (const [key, value] of entries) result.entries.set(key, value)
  return result
}

describe('pickleToJson', () => {
  it('turns tuples into arrays and non-string keys into json.dumps text', () => {
    const value = dict([
      [1, new PyTuple([1, 2n])],
      [null, 'x']
    ])
    expect(pickleToJson(value, 'info')).toEqual({ '1': [1, 2], null: 'x' })
  })

  it('refuses a reference cycle', () => {
    const list: PickleValue[] = []
    list.push(list)
    expect(reasonOf(() => pickleToJson(dict([['a', list]]), 'info'))).toBe(
      'info.a[0] contains itself (a reference cycle)'
    )
  })

  it('stops an exponential blow-up of shared references', () => {
    let value: PickleValue = [1]
    for (let level = 0; level < 40; level += 1) value = [value, value]
    expect(reasonOf(() => pickleToJson(value, 'info'))).toBe(
      'refused: info expands to more than 1,000,000 values (limit: 1,000,000 values in info)'
    )
  })

  it('stops at the nesting limit, far from the end of the call stack', () => {
    let value: PickleValue = []
    for (let level = 0; level < 1_000_000; level += 1) value = [value]
    expect(reasonOf(() => pickleToJson(value, 'info'))).toBe(
      'refused: info is nested more than 100 levels deep (limit: 100 levels of nesting in info)'
    )
  })

  it('refuses tensors and bytes in the info', () => {
    const tensor = new TorchTensor(new TorchStorageRef('0', 'float32', 1), 0, [1])
    expect(reasonOf(() => pickleToJson(dict([['w', tensor]]), 'info'))).toBe(
      'info.w holds a torch.Tensor, which cannot be kept as model information'
    )
    expect(reasonOf(() => pickleToJson(dict([['b', new PyBytes(new Uint8Array(1))]]), 'info'))).toBe(
      'info.b holds a bytes, which cannot be kept as model information'
    )
  })
})

describe('legacy storage views', () => {
  it('reads a tensor through a view of a larger storage', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.0.bias'] = { shape: [3], values: [9, 0.25, -0.25, 0.5, 9], legacyView: ['view-0', 1, 3] }
    expect(importTorchSurrogate(buildLegacyTorchFile(spec)).definition.layers[0]!.bias).toEqual([0.25, -0.25, 0.5])
  })

  it('reports a view past the end of its storage', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.0.bias'] = { shape: [3], values: [0.25, -0.25, 0.5], legacyView: ['view-0', 1, 3] }
    expect(reasonOf(() => importTorchSurrogate(buildLegacyTorchFile(spec)))).toBe(
      'a view of storage 1 runs past its 3 elements'
    )
  })
})
