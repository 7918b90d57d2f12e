// Maps a brainspy-smg surrogate file ({'info': {...}, 'model_state_dict': OrderedDict}) onto a
// SurrogateDefinition. The file format is torch's; the meaning is brainspy's: model_structure
// keys that are missing take brains-py's effective defaults (each one reported as a warning),
// and the state dict must be exactly the Linear layers of brains-py's nn.Sequential
// (raw_model.0, raw_model.2, ... with activations at the odd indices) in the declared sizes.
import {
  ACTIVATION_NAMES,
  SURROGATE_JSON_FORMAT,
  SurrogateFormatError,
  parseSurrogateJson,
  type ActivationName,
  type SurrogateDefinition
} from '../surrogate-definition.js'
import { TorchFileError, invalidModel } from './torch-file-error.js'
import { PyDict, describeValue, previewList, pythonTypeName, type PickleValue } from './pickle-values.js'
import { TorchTensor } from './torch-tensor.js'
import { pickleToJson, previewJson, type JsonValue } from './pickle-to-json.js'
import { asTorchFileError, loadTorchFile } from './torch-load.js'
import type { TorchFileFormat } from './torch-file-contents.js'

/**
 * brains-py's effective defaults for keys missing from info.model_structure. Note hidden_sizes:
 * brains-py falls back to [90] * 6 (six hidden layers), not the five of the demo model.
 */
export const BRAINSPY_STRUCTURE_DEFAULTS = {
  D_in: 7,
  D_out: 1,
  hidden_sizes: [90, 90, 90, 90, 90, 90],
  activation: 'relu' as ActivationName
} as const

export interface TorchFileSummary {
  format: TorchFileFormat
  /** Folder of the zip members; null for the legacy format. */
  archiveName: string | null
  formatVersion: number | null
}

export interface TorchSurrogateImport {
  definition: SurrogateDefinition
  /** Defaults applied and oddities tolerated, one sentence each. */
  warnings: string[]
  /** The file's info dict as JSON, as stored (without the defaults filled in). */
  info: Record<string, unknown>
  file: TorchFileSummary
}

interface ModelStructure {
  inputCount: number
  outputCount: number
  hiddenSizes: number[]
  activation: ActivationName
  /** The keys that took a default, for messages about a structure the weights do not fit. */
  defaulted: string[]
}

interface LinearLayer {
  index: number
  weight: TorchTensor
  bias: TorchTensor
}

type JsonObject = Record<string, JsonValue>

const LAYER_KEY = /^raw_model\.(0|[1-9]\d*)\.(weight|bias)$/

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function entry(dict: PyDict, key: string): PickleValue | undefined {
  return dict.entries.has(key) ? dict.entries.get(key)! : undefined
}

function listKeys(dict: PyDict): string {
  // Only the first few keys are looked at: a hostile dict may hold a million long ones.
  const keys: string[] = []
  for (const key of dict.entries.keys()) {
    if (keys.length === 6) return `${keys.join(', ')}, ...`
    keys.push(describeValue(key))
  }
  return keys.length === 0 ? 'nothing' : keys.join(', ')
}

function looksLikeStateDict(dict: PyDict): boolean {
  return dict.entries.size > 0 && [...dict.entries.values()].every((value) => value instanceof TorchTensor)
}

function readRoot(root: PickleValue): { info: PickleValue; stateDict: PickleValue } {
  if (!(root instanceof PyDict)) {
    throw invalidModel(
      `the file holds a ${pythonTypeName(root)}, not brainspy-smg's dict of 'info' and 'model_state_dict'`
    )
  }
  const info = entry(root, 'info')
  const stateDict = entry(root, 'model_state_dict')
  if (info === undefined && stateDict === undefined && looksLikeStateDict(root)) {
    throw invalidModel(
      "the file holds a bare state dict without brainspy-smg's 'info' dict, so the voltage ranges, amplification and clipping value are unknown"
    )
  }
  if (stateDict === undefined) throw invalidModel(`the file has no 'model_state_dict' entry (it has ${listKeys(root)})`)
  if (info === undefined) throw invalidModel(`the file has no 'info' entry (it has ${listKeys(root)})`)
  return { info, stateDict }
}

function positiveInteger(value: JsonValue, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalidModel(`${path} must be a positive integer, got ${previewJson(value)}`)
  }
  return value
}

function readStructure(info: JsonObject, warnings: string[]): ModelStructure {
  const raw = info['model_structure']
  if (raw !== undefined && !isJsonObject(raw))
    throw invalidModel(`info.model_structure must be a dict, got ${previewJson(raw)}`)
  const structure: JsonObject = raw ?? {}
  const defaulted: string[] = []
  const valueOf = (key: keyof typeof BRAINSPY_STRUCTURE_DEFAULTS): JsonValue => {
    const value = structure[key]
    if (value !== undefined) return value
    const fallback: JsonValue = structuredClone(BRAINSPY_STRUCTURE_DEFAULTS[key]) as JsonValue
    defaulted.push(key)
    const shown = Array.isArray(fallback) ? `[${fallback.join(', ')}]` : String(fallback)
    warnings.push(`info.model_structure.${key} is missing: using the reference default ${shown}`)
    return fallback
  }

  const inputCount = positiveInteger(valueOf('D_in'), 'info.model_structure.D_in')
  const outputCount = positiveInteger(valueOf('D_out'), 'info.model_structure.D_out')
  const hiddenRaw = valueOf('hidden_sizes')
  if (!Array.isArray(hiddenRaw))
    throw invalidModel(`info.model_structure.hidden_sizes must be a list of layer sizes, got ${previewJson(hiddenRaw)}`)
  const hiddenSizes = hiddenRaw.map((size, i) => positiveInteger(size, `info.model_structure.hidden_sizes[${i}]`))
  const activation = valueOf('activation')
  if (typeof activation !== 'string' || !(ACTIVATION_NAMES as readonly string[]).includes(activation)) {
    throw invalidModel(
      `info.model_structure.activation is ${previewJson(activation)}; brainspy surrogates use one of ${ACTIVATION_NAMES.join(', ')}`
    )
  }
  return { inputCount, outputCount, hiddenSizes, activation: activation as ActivationName, defaulted }
}

function readLayers(stateDictValue: PickleValue): LinearLayer[] {
  if (!(stateDictValue instanceof PyDict))
    throw invalidModel(`model_state_dict is a ${pythonTypeName(stateDictValue)}, not a dict of tensors`)
  if (stateDictValue.entries.size === 0) throw invalidModel('model_state_dict is empty')
  const byIndex = new Map<number, { weight?: TorchTensor; bias?: TorchTensor }>()
  for (const [key, value] of stateDictValue.entries) {
    const match = typeof key === 'string' ? LAYER_KEY.exec(key) : null
    if (!match) {
      throw invalidModel(
        `model_state_dict has the entry ${describeValue(key)}; a brainspy-smg surrogate holds only raw_model.<i>.weight and raw_model.<i>.bias`
      )
    }
    if (!(value instanceof TorchTensor))
      throw invalidModel(`model_state_dict ${describeValue(key)} is a ${pythonTypeName(value)}, not a tensor`)
    const index = Number(match[1])
    const layer = byIndex.get(index) ?? {}
    layer[match[2] as 'weight' | 'bias'] = value
    byIndex.set(index, layer)
  }
  const indices = [...byIndex.keys()].sort((a, b) => a - b)
  if (indices.some((index, i) => index !== 2 * i)) {
    throw invalidModel(
      `model_state_dict has Linear layers at raw_model indices [${previewList(indices)}]; brainspy's nn.Sequential alternates Linear and activation, so they must sit at 0, 2, 4, ...`
    )
  }
  return indices.map((index) => {
    const { weight, bias } = byIndex.get(index)!
    if (!weight) throw invalidModel(`model_state_dict has raw_model.${index}.bias but no raw_model.${index}.weight`)
    if (!bias) throw invalidModel(`model_state_dict has raw_model.${index}.weight but no raw_model.${index}.bias`)
    if (weight.shape.length !== 2)
      throw invalidModel(
        `raw_model.${index}.weight has shape [${previewList(weight.shape)}]; a Linear weight is 2-D (out x in)`
      )
    if (bias.shape.length !== 1)
      throw invalidModel(`raw_model.${index}.bias has shape [${previewList(bias.shape)}]; a Linear bias is 1-D`)
    if (bias.shape[0] !== weight.shape[0]) {
      throw invalidModel(
        `raw_model.${index}.bias has ${bias.shape[0]} entries but raw_model.${index}.weight has ${weight.shape[0]} rows (outputs)`
      )
    }
    return { index, weight, bias }
  })
}

function describeStructure(structure: ModelStructure): string {
  const text = `D_in ${structure.inputCount}, hidden_sizes [${previewList(structure.hiddenSizes)}], D_out ${structure.outputCount}`
  if (structure.defaulted.length === 0) return `info.model_structure (${text})`
  return `the model structure (${text}, with reference defaults for the missing ${structure.defaulted.join(', ')})`
}

function checkLayersFitStructure(layers: LinearLayer[], structure: ModelStructure): void {
  const sizes = [structure.inputCount, ...structure.hiddenSizes, structure.outputCount]
  if (layers.length !== sizes.length - 1) {
    const weightHidden = layers.slice(0, -1).map((layer) => layer.weight.shape[0])
    throw invalidModel(
      `model_state_dict has ${layers.length} Linear layers (hidden sizes [${previewList(weightHidden)}]) but ${describeStructure(structure)} needs ${sizes.length - 1}`
    )
  }
  layers.forEach((layer, j) => {
    const [rows, columns] = layer.weight.shape as [number, number]
    if (rows !== sizes[j + 1] || columns !== sizes[j]) {
      throw invalidModel(
        `raw_model.${layer.index}.weight is ${rows} x ${columns} but ${describeStructure(structure)} needs ${sizes[j + 1]} x ${sizes[j]} (out x in)`
      )
    }
  })
}

function checkFinite(tensor: TorchTensor, name: string): void {
  const at = tensor.data.findIndex((value) => !Number.isFinite(value))
  if (at < 0) return
  const columns = tensor.shape.length === 2 ? tensor.shape[1]! : 0
  const position = columns > 0 ? `[${Math.floor(at / columns)}, ${at % columns}]` : `[${at}]`
  throw invalidModel(`${name} holds a non-finite value (${tensor.data[at]}) at ${position}`)
}

/**
 * parseSurrogateJson would report a NaN as 'got null' (JSON has no NaN), so the model's own
 * numbers are checked here first, where the pickle's float is still known.
 */
function checkInfoFinite(value: JsonValue | undefined, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw invalidModel(`${path} is ${value}; it must be a finite number`)
  if (Array.isArray(value)) value.forEach((item, i) => checkInfoFinite(item, `${path}[${i}]`))
  else if (isJsonObject(value)) for (const [key, item] of Object.entries(value)) checkInfoFinite(item, `${path}.${key}`)
}

function toRows(tensor: TorchTensor): number[][] {
  const [rows, columns] = tensor.shape as [number, number]
  return Array.from({ length: rows }, (_, r) => Array.from(tensor.data.subarray(r * columns, (r + 1) * columns)))
}

/** parseSurrogateJson speaks of "surrogate JSON" and layers[i]; a .pt user knows raw_model.<2i>. */
function fromSurrogateFormatError(error: SurrogateFormatError, layers: LinearLayer[]): TorchFileError {
  const reason = error.message
    .replace(/^surrogate JSON: /, '')
    .replace(/layers\[(\d+)\]/g, (_, i: string) => `raw_model.${layers[Number(i)]?.index ?? Number(i) * 2}`)
  return new TorchFileError('invalid-model', reason, { cause: error })
}

/**
 * Import a brainspy-smg surrogate saved with torch.save (zip or legacy format) from the file's
 * bytes. Throws a TorchFileError whose `reason` says what is wrong with the file.
 */
export function importTorchSurrogate(bytes: Uint8Array): TorchSurrogateImport {
  const contents = loadTorchFile(bytes)
  let layers: LinearLayer[] = []
  try {
    const warnings = [...contents.warnings]
    const { info: infoValue, stateDict } = readRoot(contents.root)
    const info = pickleToJson(infoValue, 'info')
    if (!isJsonObject(info)) throw invalidModel(`info must be a dict, got a ${pythonTypeName(infoValue)}`)
    checkInfoFinite(info['model_structure'], 'info.model_structure')
    checkInfoFinite(info['electrode_info'], 'info.electrode_info')
    const structure = readStructure(info, warnings)
    layers = readLayers(stateDict)
    checkLayersFitStructure(layers, structure)
    for (const layer of layers) {
      checkFinite(layer.weight, `raw_model.${layer.index}.weight`)
      checkFinite(layer.bias, `raw_model.${layer.index}.bias`)
    }
    const definition = parseSurrogateJson({
      format: SURROGATE_JSON_FORMAT,
      info,
      activation: structure.activation,
      layers: layers.map((layer) => ({ weight: toRows(layer.weight), bias: Array.from(layer.bias.data) }))
    })
    return {
      definition,
      warnings,
      info,
      file: { format: contents.format, archiveName: contents.archiveName, formatVersion: contents.formatVersion }
    }
  } catch (error) {
    if (error instanceof SurrogateFormatError) throw fromSurrogateFormatError(error, layers)
    throw asTorchFileError(error)
  }
}
