// A trained network as a SurrogateDefinition: the same shape the model store keeps for imported
// brainspy-smg surrogates (weights out x in, the brainspy info dict), built by going through the
// importer's own validator so a trained model can be saved and used for GA/GD like any other.
import { parseSurrogateJson, SURROGATE_JSON_FORMAT, type SurrogateDefinition } from '../surrogate-definition.js'
import type { ActivationName, SurrogateLayer } from '../surrogate-definition.js'

export interface TrainedDeviceInfo {
  /** [min, max] V per activation electrode (the ranges the samples were taken in). */
  voltageRangesVolts: readonly (readonly [number, number])[]
  /** nA per model output unit, one per output. */
  amplification: readonly number[]
  /** The clipping value [lo, hi] nA of the set-up the samples came from. */
  clippingValueNanoamps: readonly [number, number]
}

/** The brainspy-smg info dict (model_structure, electrode_info) plus the weights, validated. */
export function trainedSurrogateDefinition(
  layers: readonly SurrogateLayer[],
  activation: ActivationName,
  device: TrainedDeviceInfo,
  extraInfo: Record<string, unknown> = {}
): SurrogateDefinition {
  const inputCount = layers[0]?.weight[0]?.length ?? 0
  const outputCount = layers.at(-1)?.weight.length ?? 0
  const info = {
    ...extraInfo,
    model_structure: {
      D_in: inputCount,
      D_out: outputCount,
      activation,
      hidden_sizes: layers.slice(0, -1).map((layer) => layer.weight.length)
    },
    electrode_info: {
      electrode_no: inputCount + outputCount,
      activation_electrodes: {
        electrode_no: inputCount,
        voltage_ranges: device.voltageRangesVolts.map(([lo, hi]) => [lo, hi])
      },
      output_electrodes: {
        electrode_no: outputCount,
        amplification: [...device.amplification],
        clipping_value: [device.clippingValueNanoamps[0], device.clippingValueNanoamps[1]]
      }
    }
  }
  return parseSurrogateJson({
    format: SURROGATE_JSON_FORMAT,
    info,
    activation,
    layers: layers.map((layer) => ({ weight: layer.weight.map((row) => [...row]), bias: [...layer.bias] }))
  })
}
