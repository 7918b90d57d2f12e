// A readable torch save that is not a usable brainspy-smg surrogate must say what is wrong.
import { describe, expect, it } from 'vitest'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { TorchFileError } from './torch-file-error.js'
import { PickleWriter, type PlainValue } from './__fixtures__/pickle-writer.js'
import { buildLegacyTorchFile, buildTorchZip, tinyModel, type ModelSpec } from './__fixtures__/torch-file-builder.js'

// The tests break arbitrary keys of the info dict, which has no static type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

function reasonOf(spec: ModelSpec): string {
  try {
    importTorchSurrogate(buildTorchZip(spec))
  } catch (error) {
    expect(error).toBeInstanceOf(TorchFileError)
    expect((error as TorchFileError).kind).toBe('invalid-model')
    return (error as TorchFileError).reason
  }
  throw new Error('expected the import to fail')
}

function withInfo(change: (info: Json) => void): ModelSpec {
  const spec = tinyModel()
  change(spec.info as Json)
  return spec
}

describe('importTorchSurrogate: a valid hand-built model', () => {
  it('imports from both layouts with the same result', () => {
    const zip = importTorchSurrogate(buildTorchZip(tinyModel()))
    const legacy = importTorchSurrogate(buildLegacyTorchFile(tinyModel()))
    expect(zip.definition.hiddenSizes).toEqual([3])
    expect(zip.definition.layers[1]).toEqual({ weight: [[1.5, -0.75, 0.5]], bias: [0.125] })
    expect(legacy.definition).toEqual(zip.definition)
    expect(legacy.file.format).toBe('legacy')
  })

  it('honours storage offsets (tensors sharing one storage)', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.2.bias'] = { shape: [1], values: [9, 9, 0.375], storageOffset: 2 }
    expect(importTorchSurrogate(buildTorchZip(spec)).definition.layers[1]!.bias).toEqual([0.375])
  })

  it('reads float64 weights exactly', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.0.bias'] = { shape: [3], values: [0.1, -0.2, 1 / 3], dtype: 'float64' }
    expect(importTorchSurrogate(buildTorchZip(spec)).definition.layers[0]!.bias).toEqual([0.1, -0.2, 1 / 3])
  })

  it('warns about every default when model_structure is missing, then checks the weights against them', () => {
    const spec = withInfo((info) => delete info['model_structure'])
    expect(reasonOf(spec)).toBe(
      'model_state_dict has 2 Linear layers (hidden sizes [3]) but the model structure (D_in 7, hidden_sizes [90, 90, 90, 90, 90, 90], D_out 1, with reference defaults for the missing D_in, D_out, hidden_sizes, activation) needs 7'
    )
  })
})

describe('importTorchSurrogate: missing pieces', () => {
  it.each<[string, ModelSpec, string | RegExp]>([
    ['no model_state_dict', { info: tinyModel().info }, `the file has no 'model_state_dict' entry (it has "info")`],
    ['no info', { stateDict: tinyModel().stateDict }, `the file has no 'info' entry (it has "model_state_dict")`],
    [
      'a bare state dict',
      { stateDict: tinyModel().stateDict, bare: true },
      "the file holds a bare state dict without brainspy-smg's 'info' dict, so the voltage ranges, amplification and clipping value are unknown"
    ],
    ['no electrode_info', withInfo((info) => delete info['electrode_info']), 'info.electrode_info is missing'],
    [
      'no output electrodes',
      withInfo((info) => delete info['electrode_info']['output_electrodes']),
      'info.electrode_info.output_electrodes is missing'
    ],
    [
      'no amplification',
      withInfo((info) => delete info['electrode_info']['output_electrodes']['amplification']),
      'info.electrode_info.output_electrodes.amplification is missing'
    ],
    ['an empty state dict', { ...tinyModel(), stateDict: {} }, 'model_state_dict is empty']
  ])('reports %s', (_, spec, message) => {
    expect(reasonOf(spec)).toEqual(typeof message === 'string' ? message : expect.stringMatching(message))
  })

  it('reports a file that holds something other than a dict', () => {
    const pickle = new PickleWriter().proto(2).value([1, 2]).stop().toBytes()
    expect(() => importTorchSurrogate(buildTorchZip(tinyModel(), { pickle }))).toThrow(
      "the file holds a list, not brainspy-smg's dict of 'info' and 'model_state_dict'"
    )
  })
})

describe('importTorchSurrogate: model structure', () => {
  it.each<[string, ModelSpec, string]>([
    [
      'an unknown activation',
      withInfo((info) => (info['model_structure']['activation'] = 'softplus')),
      'info.model_structure.activation is "softplus"; brainspy surrogates use one of relu, elu, tanh, hard-tanh, sigmoid'
    ],
    [
      'a bad D_in',
      withInfo((info) => (info['model_structure']['D_in'] = 0)),
      'info.model_structure.D_in must be a positive integer, got 0'
    ],
    [
      'hidden_sizes that are not a list',
      withInfo((info) => (info['model_structure']['hidden_sizes'] = 3)),
      'info.model_structure.hidden_sizes must be a list of layer sizes, got 3'
    ],
    [
      'hidden sizes that do not match the weights',
      withInfo((info) => (info['model_structure']['hidden_sizes'] = [4])),
      'raw_model.0.weight is 3 x 7 but info.model_structure (D_in 7, hidden_sizes [4], D_out 1) needs 4 x 7 (out x in)'
    ],
    [
      'a layer count that does not match the weights',
      withInfo((info) => (info['model_structure']['hidden_sizes'] = [3, 3])),
      'model_state_dict has 2 Linear layers (hidden sizes [3]) but info.model_structure (D_in 7, hidden_sizes [3, 3], D_out 1) needs 3'
    ],
    [
      'a D_in that does not match the weights',
      withInfo((info) => (info['model_structure']['D_in'] = 6)),
      'raw_model.0.weight is 3 x 7 but info.model_structure (D_in 6, hidden_sizes [3], D_out 1) needs 3 x 6 (out x in)'
    ],
    [
      'a hidden_sizes default that does not match the weights',
      withInfo((info) => delete info['model_structure']['hidden_sizes']),
      'model_state_dict has 2 Linear layers (hidden sizes [3]) but the model structure (D_in 7, hidden_sizes [90, 90, 90, 90, 90, 90], D_out 1, with reference defaults for the missing hidden_sizes) needs 7'
    ]
  ])('reports %s', (_, spec, message) => {
    expect(reasonOf(spec)).toBe(message)
  })
})

describe('importTorchSurrogate: state dict layout', () => {
  function withStateDict(change: (stateDict: ReturnType<typeof tinyModel>['stateDict']) => void): ModelSpec {
    const spec = tinyModel()
    change(spec.stateDict)
    return spec
  }

  it.each<[string, ModelSpec, string]>([
    [
      'a key that is no Linear parameter',
      withStateDict((sd) => (sd['raw_model.1.running_mean'] = { shape: [1], values: [0] })),
      'model_state_dict has the entry "raw_model.1.running_mean"; a brainspy-smg surrogate holds only raw_model.<i>.weight and raw_model.<i>.bias'
    ],
    [
      'a Linear layer at an activation index',
      withStateDict((sd) => {
        sd['raw_model.1.weight'] = sd['raw_model.2.weight']!
        sd['raw_model.1.bias'] = sd['raw_model.2.bias']!
        delete sd['raw_model.2.weight']
        delete sd['raw_model.2.bias']
      }),
      "model_state_dict has Linear layers at raw_model indices [0, 1]; brainspy's nn.Sequential alternates Linear and activation, so they must sit at 0, 2, 4, ..."
    ],
    [
      'a missing bias',
      withStateDict((sd) => delete sd['raw_model.2.bias']),
      'model_state_dict has raw_model.2.weight but no raw_model.2.bias'
    ],
    [
      'a 1-D weight',
      withStateDict((sd) => (sd['raw_model.2.weight'] = { shape: [3], values: [1, 2, 3] })),
      'raw_model.2.weight has shape [3]; a Linear weight is 2-D (out x in)'
    ],
    [
      'a bias of the wrong length',
      withStateDict((sd) => (sd['raw_model.0.bias'] = { shape: [2], values: [1, 2] })),
      'raw_model.0.bias has 2 entries but raw_model.0.weight has 3 rows (outputs)'
    ],
    [
      'a NaN weight',
      withStateDict((sd) => (sd['raw_model.0.weight']!.values[8] = Number.NaN)),
      'raw_model.0.weight holds a non-finite value (NaN) at [1, 1]'
    ],
    [
      'an infinite bias',
      withStateDict((sd) => (sd['raw_model.2.bias'] = { shape: [1], values: [Number.POSITIVE_INFINITY] })),
      'raw_model.2.bias holds a non-finite value (Infinity) at [0]'
    ]
  ])('reports %s', (_, spec, message) => {
    expect(reasonOf(spec)).toBe(message)
  })
})

describe('importTorchSurrogate: electrode info', () => {
  const output = (info: Json) => info['electrode_info']['output_electrodes'] as Json
  const ranges = (info: Json) => info['electrode_info']['activation_electrodes']['voltage_ranges'] as PlainValue[]

  it.each<[string, ModelSpec, string]>([
    [
      'a voltage range count that differs from D_in',
      withInfo((info) => ranges(info).pop()),
      'info.electrode_info.activation_electrodes.electrode_no is 7 but voltage_ranges has 6 entries'
    ],
    [
      'a voltage range count that differs from D_in (no electrode_no)',
      withInfo((info) => {
        ranges(info).pop()
        delete info['electrode_info']['activation_electrodes']['electrode_no']
      }),
      'info.electrode_info.activation_electrodes.voltage_ranges has 6 entries but the model has D_in = 7 inputs'
    ],
    [
      'an inverted voltage range',
      withInfo((info) => (ranges(info)[2] = [0.6, -1.0])),
      'info.electrode_info.activation_electrodes.voltage_ranges[2] is inverted: min 0.6 V > max -1 V'
    ],
    [
      'a clipping value with lo >= hi',
      withInfo((info) => (output(info)['clipping_value'] = [50.5, -50.5])),
      'info.electrode_info.output_electrodes.clipping_value is inverted or empty: lo 50.5 nA >= hi -50.5 nA'
    ],
    [
      'a non-finite amplification',
      withInfo((info) => (output(info)['amplification'] = [Number.NaN])),
      'info.electrode_info.output_electrodes.amplification[0] is NaN; it must be a finite number'
    ],
    [
      'a non-finite voltage',
      withInfo((info) => (ranges(info)[0] = [Number.NEGATIVE_INFINITY, 0.3])),
      'info.electrode_info.activation_electrodes.voltage_ranges[0][0] is -Infinity; it must be a finite number'
    ]
  ])('reports %s', (_, spec, message) => {
    expect(reasonOf(spec)).toBe(message)
  })
})
