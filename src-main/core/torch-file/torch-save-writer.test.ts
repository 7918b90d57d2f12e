import { describe, expect, it } from 'vitest'
import { parseSurrogateJson, type SurrogateDefinition } from '../surrogate-definition.js'
import { SurrogateModel } from '../surrogate.js'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { loadTorchFile } from './torch-load.js'
import { TORCH_EXPORT_ARCHIVE_NAME, exportedInfo, writeTorchSurrogate } from './torch-save-writer.js'
import { readDemoSurrogateJson, readFixture } from './__fixtures__/read-fixture.js'
import { OP, opcodeName } from './pickle-opcodes.js'
import { openZipArchive } from './zip-archive.js'
import { ImportBudget } from './torch-file-limits.js'

/**
 * The opcodes PyTorch 2's weights-only unpickler (torch/_weights_only_unpickler.py) reads, with
 * their argument sizes: torch.load(weights_only=True) refuses a pickle with any other.
 */
const WEIGHTS_ONLY_OPCODES = new Map<number, (bytes: Uint8Array, at: number) => number>([
  ...[OP.MARK, OP.STOP, OP.REDUCE, OP.BUILD, OP.BINPERSID, OP.EMPTY_DICT, OP.EMPTY_LIST, OP.EMPTY_TUPLE].map(
    (op) => [op, () => 0] as const
  ),
  ...[OP.TUPLE, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3, OP.SETITEM, OP.SETITEMS, OP.APPEND, OP.APPENDS].map(
    (op) => [op, () => 0] as const
  ),
  ...[OP.NONE, OP.NEWTRUE, OP.NEWFALSE].map((op) => [op, () => 0] as const),
  [OP.PROTO, () => 1],
  [OP.BININT1, () => 1],
  [OP.BININT2, () => 2],
  [OP.BININT, () => 4],
  [OP.BINFLOAT, () => 8],
  [OP.BINGET, () => 1],
  [OP.BINPUT, () => 1],
  [OP.LONG_BINGET, () => 4],
  [OP.LONG_BINPUT, () => 4],
  [OP.LONG1, (bytes, at) => 1 + bytes[at]!],
  [OP.BINUNICODE, (bytes, at) => 4 + new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true)],
  [OP.GLOBAL, (bytes, at) => bytes.indexOf(0x0a, bytes.indexOf(0x0a, at) + 1) + 1 - at]
])

/** The opcodes of a pickle outside WEIGHTS_ONLY_OPCODES, and the globals it names. */
function pickleScan(bytes: Uint8Array): { refused: string[]; globals: Set<string> } {
  const refused: string[] = []
  const globals = new Set<string>()
  let at = 0
  while (at < bytes.length) {
    const op = bytes[at]!
    const argumentBytes = WEIGHTS_ONLY_OPCODES.get(op)
    if (!argumentBytes) {
      refused.push(opcodeName(op))
      break
    }
    const size = argumentBytes(bytes, at + 1)
    if (op === OP.GLOBAL) globals.add(new TextDecoder().decode(bytes.subarray(at + 1, at + size)).trim())
    at += 1 + size
  }
  return { refused, globals }
}

/** Every layer's weights and biases as the float32 bytes a .pt file stores. */
function float32Bytes(definition: SurrogateDefinition): Uint8Array[] {
  return definition.layers.flatMap((layer) =>
    [layer.weight.flat(), layer.bias].map((values) => new Uint8Array(Float32Array.from(values).buffer))
  )
}

/** Rows spread over each electrode's voltage range (corners, middle, and in between). */
function sampleRows(definition: SurrogateDefinition): Float32Array {
  const fractions = [0, 1, 0.5, 0.13, 0.77, 0.31]
  return Float32Array.from(
    fractions.flatMap((f, row) =>
      definition.voltageRangesVolts.map(([lo, hi], e) => lo + (hi - lo) * ((f + 0.17 * e * row) % 1))
    )
  )
}

async function outputs(definition: SurrogateDefinition): Promise<Float32Array> {
  const model = new SurrogateModel(definition)
  try {
    const rows = sampleRows(definition)
    return await model.forwardNanoamps(rows, rows.length / definition.inputCount)
  } finally {
    model.dispose()
  }
}

/** The data offset of each member, from its local header (what torch.load reads in place). */
function memberDataOffsets(bytes: Uint8Array): Map<string, { offset: number; method: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const members = new Map<string, { offset: number; method: number }>()
  let at = 0
  while (view.getUint32(at, true) === 0x04034b50) {
    const nameLength = view.getUint16(at + 26, true)
    const extraLength = view.getUint16(at + 28, true)
    const name = new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength))
    const offset = at + 30 + nameLength + extraLength
    members.set(name, { offset, method: view.getUint16(at + 8, true) })
    at = offset + view.getUint32(at + 18, true)
  }
  return members
}

const FIXTURES = [
  'demo-surrogate.pt',
  'small-elu.pt',
  'small-tanh.pt',
  'defaults-missing.pt',
  'small-elu-legacy.pt',
  'small-elu-parameters.pt',
  'small-elu-deflated.pt',
  'small-tanh-float64.pt',
  'small-tanh-float64-legacy.pt'
]

describe('writeTorchSurrogate: import -> export -> import', () => {
  it.each(FIXTURES)('%s comes back with the same weights, info and outputs', async (fileName) => {
    const original = importTorchSurrogate(readFixture(fileName)).definition
    const exported = writeTorchSurrogate(original)
    const again = importTorchSurrogate(exported)

    expect(again.warnings).toEqual([])
    expect(again.file).toEqual({ format: 'zip', archiveName: TORCH_EXPORT_ARCHIVE_NAME, formatVersion: 3 })
    expect(float32Bytes(again.definition)).toEqual(float32Bytes(original))
    expect(again.definition.info).toEqual(exportedInfo(original))
    for (const key of [
      'inputCount',
      'outputCount',
      'hiddenSizes',
      'activation',
      'voltageRangesVolts',
      'amplification',
      'clippingValueNanoamps'
    ] as const) {
      expect(again.definition[key], key).toEqual(original[key])
    }
    // Same float32 weights, same forward: the outputs agree to the bit.
    expect(await outputs(again.definition)).toEqual(await outputs(original))
    // Exporting the re-imported model gives the same file: the format is a fixed point.
    expect(writeTorchSurrogate(again.definition)).toEqual(exported)
  })

  it('keeps the info dict of a file that states its whole model_structure as it was', () => {
    for (const fileName of ['demo-surrogate.pt', 'small-elu.pt', 'small-tanh.pt']) {
      const original = importTorchSurrogate(readFixture(fileName))
      expect(importTorchSurrogate(writeTorchSurrogate(original.definition)).info, fileName).toEqual(original.info)
    }
  })

  it('states the defaults a file left out in the exported model_structure', () => {
    const original = importTorchSurrogate(readFixture('defaults-missing.pt'))
    expect(original.warnings.length).toBeGreaterThan(0)
    const again = importTorchSurrogate(writeTorchSurrogate(original.definition))
    expect(again.info['model_structure']).toEqual({
      ...(original.info['model_structure'] as object),
      D_in: original.definition.inputCount,
      D_out: original.definition.outputCount,
      hidden_sizes: original.definition.hiddenSizes,
      activation: original.definition.activation
    })
  })

  it('exports a model imported from JSON (the demo JSON gives the demo .pt weights)', () => {
    const fromJson = parseSurrogateJson(readDemoSurrogateJson())
    const again = importTorchSurrogate(writeTorchSurrogate(fromJson)).definition
    expect(float32Bytes(again)).toEqual(float32Bytes(fromJson))
    expect(again.voltageRangesVolts).toEqual(fromJson.voltageRangesVolts)
  })
})

describe('writeTorchSurrogate: the file layout torch.save writes', () => {
  const bytes = writeTorchSurrogate(importTorchSurrogate(readFixture('small-elu.pt')).definition)

  it('holds data.pkl, byteorder, one float32 record per tensor and version, each stored at a 64-byte boundary', () => {
    const members = memberDataOffsets(bytes)
    expect([...members.keys()]).toEqual([
      'archive/data.pkl',
      'archive/byteorder',
      'archive/data/0',
      'archive/data/1',
      'archive/data/2',
      'archive/data/3',
      'archive/version'
    ])
    for (const [name, { offset, method }] of members) {
      expect(offset % 64, name).toBe(0)
      expect(method, name).toBe(0)
    }
    const text = (name: string) => {
      const member = members.get(name)!
      return new TextDecoder().decode(bytes.subarray(member.offset, member.offset + 8)).replace(/\0.*$/s, '')
    }
    expect(text('archive/byteorder').startsWith('little')).toBe(true)
    expect(text('archive/version').startsWith('3\n')).toBe(true)
  })

  it('pickles the state dict as an OrderedDict of rebuilt float32 tensors with torch _metadata', () => {
    const contents = loadTorchFile(bytes)
    expect(contents.warnings).toEqual([])
    const root = contents.root as { entries: Map<string, unknown> }
    const stateDict = root.entries.get('model_state_dict') as {
      ordered: boolean
      entries: Map<string, { dtype: string; shape: number[] }>
      attributes: Map<string, { entries: Map<string, unknown> }>
    }
    expect(stateDict.ordered).toBe(true)
    expect([...stateDict.entries].map(([key, tensor]) => [key, tensor.dtype, tensor.shape])).toEqual([
      ['raw_model.0.weight', 'float32', [8, 7]],
      ['raw_model.0.bias', 'float32', [8]],
      ['raw_model.2.weight', 'float32', [1, 8]],
      ['raw_model.2.bias', 'float32', [1]]
    ])
    const metadata = stateDict.attributes.get('_metadata')!
    expect([...metadata.entries.keys()]).toEqual(['', 'raw_model', 'raw_model.0', 'raw_model.1', 'raw_model.2'])
  })

  it('pickles with the opcodes and globals torch.load(weights_only=True) accepts, and nothing else', () => {
    const archive = openZipArchive(bytes, new ImportBudget())
    const { refused, globals } = pickleScan(archive.read('archive/data.pkl'))
    expect(refused).toEqual([])
    expect([...globals].sort()).toEqual([
      'collections\nOrderedDict',
      'torch\nFloatStorage',
      'torch._utils\n_rebuild_tensor_v2'
    ])
  })

  it('writes the same bytes for the same model', () => {
    const definition = importTorchSurrogate(readFixture('small-elu.pt')).definition
    expect(writeTorchSurrogate(definition)).toEqual(bytes)
  })

  it('refuses a weight that does not fit a float32', () => {
    const definition = importTorchSurrogate(readFixture('small-elu.pt')).definition
    const huge = structuredClone(definition)
    huge.layers[1]!.bias[0] = 1e300
    expect(() => writeTorchSurrogate(huge)).toThrow(/raw_model\.2\.bias\[0\] = 1e\+300 does not fit a float32/)
  })
})
