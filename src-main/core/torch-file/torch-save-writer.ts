// Writes a surrogate as the file brainspy-smg saves with torch.save: {'info': {...},
// 'model_state_dict': OrderedDict(raw_model.<2i>.weight / .bias float32 tensors)} in torch's zip
// format (format version 3, little-endian). PyTorch reads it with torch.load(path,
// weights_only=True) and our importer reads it back to the same definition. Pure: bytes out.
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { PickleEncoder } from './pickle-encoder.js'
import { TORCH_FILE_LIMITS } from './torch-file-limits.js'
import { writeTorchZip } from './torch-zip-writer.js'

/**
 * The folder of the zip members. torch.save names it after the file; a fixed name keeps the
 * bytes a function of the model alone (torch.load does not care what it is called).
 */
export const TORCH_EXPORT_ARCHIVE_NAME = 'archive'
/** torch.save's zip format version since PyTorch 1.6. */
const FORMAT_VERSION = '3\n'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

/**
 * brainspy reads these as floats; a JSON round trip may have turned 10.0 into 10, so numbers
 * under these info paths are always written as Python floats (other whole numbers stay ints).
 */
const FLOAT_PATHS = [
  'info.electrode_info.activation_electrodes.voltage_ranges',
  'info.electrode_info.output_electrodes.amplification',
  'info.electrode_info.output_electrodes.clipping_value'
]

interface StateTensor {
  key: string
  storageKey: string
  shape: number[]
  data: Float32Array
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The info dict with model_structure stating the definition's own structure. */
export function exportedInfo(definition: SurrogateDefinition): JsonObject {
  const info = structuredClone(definition.info) as JsonObject
  const structure: JsonObject = {
    D_in: definition.inputCount,
    D_out: definition.outputCount,
    hidden_sizes: [...definition.hiddenSizes],
    activation: definition.activation
  }
  const existing = info['model_structure']
  // Keys already there keep their place (and brainspy's other model_structure keys stay).
  if (isJsonObject(existing)) return { ...info, model_structure: { ...existing, ...structure } }
  return { model_structure: structure, ...info }
}

function float32Of(values: readonly number[], name: string): Float32Array {
  const data = Float32Array.from(values)
  const at = data.findIndex((value) => !Number.isFinite(value))
  if (at >= 0) throw new RangeError(`${name}[${at}] = ${values[at]} does not fit a float32`)
  return data
}

function stateTensors(definition: SurrogateDefinition): StateTensor[] {
  return definition.layers.flatMap((layer, i) => {
    const prefix = `raw_model.${2 * i}`
    const inSize = layer.weight[0]?.length ?? 0
    return [
      {
        key: `${prefix}.weight`,
        storageKey: String(2 * i),
        shape: [layer.weight.length, inSize],
        data: float32Of(layer.weight.flat(), `${prefix}.weight`)
      },
      {
        key: `${prefix}.bias`,
        storageKey: String(2 * i + 1),
        shape: [layer.bias.length],
        data: float32Of(layer.bias, `${prefix}.bias`)
      }
    ]
  })
}

/** The storage record: float32 values little-endian, as the byteorder record says. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  values.forEach((value, i) => view.setFloat32(i * 4, value, true))
  return bytes
}

function writeJson(pickle: PickleEncoder, value: Json, path: string, depth: number): void {
  // The importer refuses info nested deeper than this: an export must be importable.
  if (depth > TORCH_FILE_LIMITS.infoDepth)
    throw new RangeError(`${path} is nested more than ${TORCH_FILE_LIMITS.infoDepth} levels deep`)
  if (value === null) pickle.none()
  else if (typeof value === 'boolean') pickle.bool(value)
  else if (typeof value === 'string') pickle.string(value)
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${path} is ${value}, not a finite number`)
    const asFloat = FLOAT_PATHS.some((prefix) => path.startsWith(prefix)) || !Number.isSafeInteger(value)
    if (asFloat || Object.is(value, -0)) pickle.float(value)
    else pickle.int(value)
  } else if (Array.isArray(value)) pickle.list(value, (item) => writeJson(pickle, item, `${path}[]`, depth + 1))
  else pickle.dict(Object.entries(value), (item, key) => writeJson(pickle, item, `${path}.${key}`, depth + 1))
}

function writeTensor(pickle: PickleEncoder, tensor: StateTensor): void {
  const strides = tensor.shape.map((_, d) => tensor.shape.slice(d + 1).reduce((a, b) => a * b, 1))
  pickle.call('torch._utils', '_rebuild_tensor_v2', [
    () =>
      pickle.persistentId(() =>
        pickle.tuple([
          () => pickle.string('storage'),
          () => pickle.global('torch', 'FloatStorage'),
          () => pickle.string(tensor.storageKey),
          () => pickle.string('cpu'),
          () => pickle.int(tensor.data.length)
        ])
      ),
    () => pickle.int(0), // storage offset
    () => pickle.tuple(tensor.shape.map((size) => () => pickle.int(size))),
    () => pickle.tuple(strides.map((stride) => () => pickle.int(stride))),
    () => pickle.bool(false), // requires_grad
    () => pickle.call('collections', 'OrderedDict', []) // backward hooks
  ])
}

/**
 * The `_metadata` torch's state_dict() attaches (each module's version), for
 * nn.Sequential(Linear, act, Linear, ..., Linear) under the attribute `raw_model`.
 */
function writeStateDictMetadata(pickle: PickleEncoder, layerCount: number): void {
  const modules = ['', 'raw_model', ...Array.from({ length: 2 * layerCount - 1 }, (_, i) => `raw_model.${i}`)]
  pickle.dict([['_metadata', null]], () => {
    pickle.call('collections', 'OrderedDict', [])
    pickle.setItems(
      modules.map((name) => [name, 1] as const),
      (version) => pickle.dict([['version', version]], (v) => pickle.int(v))
    )
  })
}

/** The surrogate as the bytes of a torch.save file (zip format) that brainspy-smg would write. */
export function writeTorchSurrogate(definition: SurrogateDefinition): Uint8Array {
  const info = exportedInfo(definition)
  const tensors = stateTensors(definition)
  const pickle = new PickleEncoder()
  const root: [string, () => void][] = [
    ['info', () => writeJson(pickle, info, 'info', 0)],
    [
      'model_state_dict',
      () => {
        pickle.call('collections', 'OrderedDict', [])
        pickle.setItems(
          tensors.map((tensor) => [tensor.key, tensor] as const),
          (tensor) => writeTensor(pickle, tensor)
        )
        pickle.build(() => writeStateDictMetadata(pickle, definition.layers.length))
      }
    ]
  ]
  pickle.dict(root, (write) => write())
  const prefix = TORCH_EXPORT_ARCHIVE_NAME
  return writeTorchZip([
    [`${prefix}/data.pkl`, pickle.finish()],
    [`${prefix}/byteorder`, new TextEncoder().encode('little')],
    ...tensors.map((tensor) => [`${prefix}/data/${tensor.storageKey}`, littleEndianBytes(tensor.data)] as const),
    [`${prefix}/version`, new TextEncoder().encode(FORMAT_VERSION)]
  ])
}
