/**
 * The simulated instrument's device under test: activation volts in, currents out, batched.
 * The surrogate-backed one evaluates the model's raw MLP x amplification (no clipping: the ADC
 * range is what limits a real measurement).
 */
import { SurrogateModel } from '../../core/surrogate'
import type { SurrogateDefinition } from '../../core/surrogate-definition'

export interface SimulatedDevice {
  readonly activationChannelCount: number
  readonly readoutChannelCount: number
  /** The amplifier gain the device's data assume, nA per volt, one per readout channel. */
  readonly amplificationNanoampsPerVolt: readonly number[]
  /** `rowCount` rows of activation volts (row-major) -> rowCount x readout channels nA. */
  currentsNanoamps(activationVolts: Float32Array, rowCount: number): Promise<Float32Array>
  dispose(): void
}

export function surrogateDevice(definition: SurrogateDefinition): SimulatedDevice {
  const model = new SurrogateModel(definition)
  return {
    activationChannelCount: model.inputCount,
    readoutChannelCount: model.outputCount,
    amplificationNanoampsPerVolt: [...model.amplification],
    currentsNanoamps: (activationVolts, rowCount) => model.forwardUnclippedNanoamps(activationVolts, rowCount),
    dispose: () => model.dispose()
  }
}
