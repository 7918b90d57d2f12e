// Validation of the JSON form of a brainspy-smg surrogate model. Callers read the file; this
// module only checks a parsed object and turns it into a typed definition, with errors that
// say exactly which key is wrong so a user importing a model knows what to fix.

import { ACTIVATION_NAMES, type ActivationName } from '../../src-shared/domain/surrogate'

export { ACTIVATION_NAMES, type ActivationName }

/** One activation function on one number (float64), as torch defines it. */
export function applyActivation(x: number, activation: ActivationName): number {
  switch (activation) {
    case 'relu':
      return x > 0 ? x : 0
    case 'elu':
      return x > 0 ? x : Math.expm1(x)
    case 'tanh':
      return Math.tanh(x)
    case 'hard-tanh':
      return Math.min(1, Math.max(-1, x))
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x))
  }
}

export const SURROGATE_JSON_FORMAT = 'dnpu-surrogate-json/1'

/** brainspy defaults for keys missing from info.model_structure (semantics page). */
const DEFAULT_INPUT_COUNT = 7
const DEFAULT_OUTPUT_COUNT = 1
const DEFAULT_ACTIVATION: ActivationName = 'relu'

export interface SurrogateLayer {
  /** out x in, as in PyTorch's nn.Linear. */
  weight: number[][]
  bias: number[]
}

export interface SurrogateDefinition {
  inputCount: number
  outputCount: number
  hiddenSizes: number[]
  activation: ActivationName
  voltageRangesVolts: [number, number][]
  /** nA per model output unit, one per output. */
  amplification: number[]
  clippingValueNanoamps: [number, number]
  layers: SurrogateLayer[]
  /** The original brainspy-smg info dict, kept for display and re-export. */
  info: Record<string, unknown>
}

export class SurrogateFormatError extends Error {
  constructor(
    readonly path: string,
    detail: string
  ) {
    super(`surrogate JSON: ${path} ${detail}`)
    this.name = 'SurrogateFormatError'
  }
}

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  const text = JSON.stringify(value)
  if (text === undefined) return String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function objectAt(parent: JsonObject, key: string, path: string): JsonObject {
  const value = parent[key]
  if (value === undefined) throw new SurrogateFormatError(`${path}.${key}`, 'is missing')
  if (!isObject(value)) throw new SurrogateFormatError(`${path}.${key}`, `must be an object, got ${describe(value)}`)
  return value
}

function finiteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SurrogateFormatError(path, `must be a finite number, got ${describe(value)}`)
  }
  return value
}

function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new SurrogateFormatError(path, `must be a positive integer, got ${describe(value)}`)
  }
  return value
}

function numberArray(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) throw new SurrogateFormatError(path, `must be an array of numbers, got ${describe(value)}`)
  return value.map((item, i) => finiteNumber(item, `${path}[${i}]`))
}

function parseActivation(value: unknown, path: string): ActivationName {
  if (typeof value !== 'string' || !(ACTIVATION_NAMES as readonly string[]).includes(value)) {
    throw new SurrogateFormatError(path, `must be one of ${ACTIVATION_NAMES.join(', ')}, got ${describe(value)}`)
  }
  return value as ActivationName
}

function parseVoltageRanges(activationElectrodes: JsonObject, path: string): [number, number][] {
  const rangesPath = `${path}.voltage_ranges`
  const raw = activationElectrodes['voltage_ranges']
  if (raw === undefined) throw new SurrogateFormatError(rangesPath, 'is missing')
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new SurrogateFormatError(rangesPath, `must be a non-empty array of [min, max] pairs, got ${describe(raw)}`)
  }
  const ranges = raw.map((pair, i): [number, number] => {
    const pairPath = `${rangesPath}[${i}]`
    const values = numberArray(pair, pairPath)
    if (values.length !== 2) throw new SurrogateFormatError(pairPath, `must be [min, max], got ${describe(pair)}`)
    const [lo, hi] = values as [number, number]
    if (lo > hi) throw new SurrogateFormatError(pairPath, `is inverted: min ${lo} V > max ${hi} V`)
    return [lo, hi]
  })
  const declared = activationElectrodes['electrode_no']
  if (declared !== undefined && positiveInteger(declared, `${path}.electrode_no`) !== ranges.length) {
    throw new SurrogateFormatError(
      `${path}.electrode_no`,
      `is ${String(declared)} but voltage_ranges has ${ranges.length} entries`
    )
  }
  return ranges
}

function parseLayers(raw: unknown): SurrogateLayer[] {
  if (raw === undefined) throw new SurrogateFormatError('layers', 'is missing')
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new SurrogateFormatError('layers', 'must be a non-empty array of {weight, bias}')
  }
  return raw.map((layer, index): SurrogateLayer => {
    const path = `layers[${index}]`
    if (!isObject(layer)) throw new SurrogateFormatError(path, 'must be an object {weight, bias}')
    const weightRaw = layer['weight']
    if (weightRaw === undefined) throw new SurrogateFormatError(`${path}.weight`, 'is missing')
    if (!Array.isArray(weightRaw) || weightRaw.length === 0) {
      throw new SurrogateFormatError(`${path}.weight`, 'must be a non-empty 2-D array (out x in)')
    }
    const weight = weightRaw.map((row, r) => numberArray(row, `${path}.weight[${r}]`))
    const inSize = weight[0]!.length
    if (inSize === 0) throw new SurrogateFormatError(`${path}.weight[0]`, 'is empty')
    weight.forEach((row, r) => {
      if (row.length !== inSize) {
        throw new SurrogateFormatError(
          `${path}.weight[${r}]`,
          `has ${row.length} columns, row 0 has ${inSize} (ragged matrix)`
        )
      }
    })
    if (layer['bias'] === undefined) throw new SurrogateFormatError(`${path}.bias`, 'is missing')
    const bias = numberArray(layer['bias'], `${path}.bias`)
    if (bias.length !== weight.length) {
      throw new SurrogateFormatError(
        `${path}.bias`,
        `has ${bias.length} entries but weight has ${weight.length} rows (out size)`
      )
    }
    return { weight, bias }
  })
}

/** Validate a parsed surrogate JSON object (format dnpu-surrogate-json/1). Throws SurrogateFormatError. */
export function parseSurrogateJson(json: unknown): SurrogateDefinition {
  if (!isObject(json)) throw new SurrogateFormatError('(root)', `must be an object, got ${describe(json)}`)
  const format = json['format']
  if (format !== undefined && format !== SURROGATE_JSON_FORMAT) {
    throw new SurrogateFormatError('format', `must be '${SURROGATE_JSON_FORMAT}', got ${describe(format)}`)
  }
  const info = objectAt(json, 'info', '(root)')
  const structure = info['model_structure'] === undefined ? {} : objectAt(info, 'model_structure', 'info')
  const electrodeInfo = objectAt(info, 'electrode_info', 'info')
  const activationElectrodes = objectAt(electrodeInfo, 'activation_electrodes', 'info.electrode_info')
  const outputElectrodes = objectAt(electrodeInfo, 'output_electrodes', 'info.electrode_info')

  const voltageRangesVolts = parseVoltageRanges(activationElectrodes, 'info.electrode_info.activation_electrodes')

  // The activation may be stated at top level, in model_structure, or both (then they must agree).
  const topActivation = json['activation'] === undefined ? undefined : parseActivation(json['activation'], 'activation')
  const structureActivation =
    structure['activation'] === undefined
      ? undefined
      : parseActivation(structure['activation'], 'info.model_structure.activation')
  if (topActivation !== undefined && structureActivation !== undefined && topActivation !== structureActivation) {
    throw new SurrogateFormatError(
      'activation',
      `is '${topActivation}' but info.model_structure.activation is '${structureActivation}'`
    )
  }
  const activation = topActivation ?? structureActivation ?? DEFAULT_ACTIVATION

  const inputCount =
    structure['D_in'] === undefined
      ? DEFAULT_INPUT_COUNT
      : positiveInteger(structure['D_in'], 'info.model_structure.D_in')
  const outputCount =
    structure['D_out'] === undefined
      ? DEFAULT_OUTPUT_COUNT
      : positiveInteger(structure['D_out'], 'info.model_structure.D_out')
  if (voltageRangesVolts.length !== inputCount) {
    throw new SurrogateFormatError(
      'info.electrode_info.activation_electrodes.voltage_ranges',
      `has ${voltageRangesVolts.length} entries but the model has D_in = ${inputCount} inputs`
    )
  }

  const layers = parseLayers(json['layers'])
  let expectedIn = inputCount
  layers.forEach((layer, index) => {
    const inSize = layer.weight[0]!.length
    if (inSize !== expectedIn) {
      const source = index === 0 ? `D_in = ${inputCount}` : `layers[${index - 1}] has ${expectedIn} outputs`
      throw new SurrogateFormatError(`layers[${index}].weight`, `is ${layer.weight.length} x ${inSize} but ${source}`)
    }
    expectedIn = layer.weight.length
  })
  if (expectedIn !== outputCount) {
    throw new SurrogateFormatError(
      `layers[${layers.length - 1}].weight`,
      `has ${expectedIn} outputs but D_out = ${outputCount}`
    )
  }
  const hiddenSizes = layers.slice(0, -1).map((layer) => layer.weight.length)
  if (structure['hidden_sizes'] !== undefined) {
    const declared = numberArray(structure['hidden_sizes'], 'info.model_structure.hidden_sizes')
    if (declared.length !== hiddenSizes.length || declared.some((size, i) => size !== hiddenSizes[i])) {
      throw new SurrogateFormatError(
        'info.model_structure.hidden_sizes',
        `is ${describe(declared)} but the layers have hidden sizes ${describe(hiddenSizes)}`
      )
    }
  }

  const amplificationPath = 'info.electrode_info.output_electrodes.amplification'
  const amplificationRaw = outputElectrodes['amplification']
  if (amplificationRaw === undefined) throw new SurrogateFormatError(amplificationPath, 'is missing')
  let amplification =
    typeof amplificationRaw === 'number'
      ? [finiteNumber(amplificationRaw, amplificationPath)]
      : numberArray(amplificationRaw, amplificationPath)
  if (amplification.length === 1 && outputCount > 1)
    amplification = new Array<number>(outputCount).fill(amplification[0]!)
  if (amplification.length !== outputCount) {
    throw new SurrogateFormatError(amplificationPath, `has ${amplification.length} entries but D_out = ${outputCount}`)
  }
  if (amplification.some((a) => a === 0)) throw new SurrogateFormatError(amplificationPath, 'must not be 0')

  const clippingPath = 'info.electrode_info.output_electrodes.clipping_value'
  const clippingRaw = outputElectrodes['clipping_value']
  if (clippingRaw === undefined) throw new SurrogateFormatError(clippingPath, 'is missing')
  const clipping = numberArray(clippingRaw, clippingPath)
  if (clipping.length !== 2)
    throw new SurrogateFormatError(clippingPath, `must be [lo, hi] in nA, got ${describe(clippingRaw)}`)
  const [clipLo, clipHi] = clipping as [number, number]
  if (!(clipLo < clipHi))
    throw new SurrogateFormatError(clippingPath, `is inverted or empty: lo ${clipLo} nA >= hi ${clipHi} nA`)

  return {
    inputCount,
    outputCount,
    hiddenSizes,
    activation,
    voltageRangesVolts,
    amplification,
    clippingValueNanoamps: [clipLo, clipHi],
    layers,
    info
  }
}
