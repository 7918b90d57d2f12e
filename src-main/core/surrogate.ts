// A surrogate DNPU: the brainspy-smg MLP evaluated in float32, batched: ReLU models on the
// hand-written WebAssembly SIMD kernel (kernels/mlp-kernel.ts, which skips the units a ReLU
// switched off), other activations (and runtimes without WebAssembly SIMD) with tfjs; plus a plain float64 JS forward that tests use
// as the ground truth for both.
import type { Rng } from './rng.js'
import * as tf from '@tensorflow/tfjs'
import { initComputeBackend } from './compute-backend.js'
import { dense, type DenseWeights } from './dense-layer.js'
import { MlpKernel, usesMlpKernel } from './kernels/mlp-kernel.js'
import type { Processor } from './processor.js'
import {
  applyActivation,
  type ActivationName,
  type SurrogateDefinition,
  type SurrogateLayer
} from './surrogate-definition.js'

export {
  parseSurrogateJson,
  SurrogateFormatError,
  ACTIVATION_NAMES,
  SURROGATE_JSON_FORMAT
} from './surrogate-definition.js'
export type { ActivationName, SurrogateDefinition, SurrogateLayer } from './surrogate-definition.js'

type LayerTensors = DenseWeights

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value))
}

/**
 * How a simulation departs from the file's own device settings (the reference's
 * `amplification`, `clipping_value` and `noise` of a simulation processor).
 */
export interface SimulationOptions {
  /** nA per model output unit; replaces the file's amplification for every output. */
  amplification?: number | undefined
  clippingValueNanoamps?: readonly [number, number] | undefined
  /** Gaussian noise added to MLP(x)*amplification before clipping, drawn from `rng`. */
  outputNoise?: OutputNoise | undefined
}

/** The reference's simulation noise: one Gaussian draw from `rng` per output value. */
export interface OutputNoise {
  stdNanoamps: number
  rng: Rng
}

/**
 * Checks a noise setting; returns undefined when it adds nothing (absent or std 0), so a
 * noiseless run draws nothing from the stream.
 */
export function checkOutputNoise(noise: OutputNoise | undefined): OutputNoise | undefined {
  if (noise && !(Number.isFinite(noise.stdNanoamps) && noise.stdNanoamps >= 0)) {
    throw new RangeError(`output noise std must be a finite number >= 0 nA, got ${noise.stdNanoamps}`)
  }
  return noise && noise.stdNanoamps > 0 ? noise : undefined
}

/**
 * The reference's noise step, in place: each value (MLP(x)*amplification, not yet clipped) gets
 * value + rng.gaussian(0, std), then is clamped to the clipping value, in index order. Exported so
 * a processor that splits one forward over several threads draws the same stream in the same
 * order as a single SurrogateModel (the draws happen in one place, after the rows are joined).
 */
export function applyOutputNoise(
  valuesNanoamps: Float32Array,
  noise: OutputNoise,
  clippingValueNanoamps: readonly [number, number]
): Float32Array {
  const { stdNanoamps, rng } = noise
  const [clipLo, clipHi] = clippingValueNanoamps
  for (let i = 0; i < valuesNanoamps.length; i += 1) {
    valuesNanoamps[i] = clamp(valuesNanoamps[i]! + rng.gaussian(0, stdNanoamps), clipLo, clipHi)
  }
  return valuesNanoamps
}

export class SurrogateModel implements Processor {
  readonly inputCount: number
  readonly outputCount: number
  readonly hiddenSizes: readonly number[]
  readonly activation: ActivationName
  readonly voltageRangesVolts: readonly [number, number][]
  readonly amplification: readonly number[]
  readonly clippingValueNanoamps: readonly [number, number]

  private readonly layers: readonly SurrogateLayer[]
  /** The SIMD kernel, or null when the tfjs tensors below are used instead. */
  private kernel: MlpKernel | null = null
  private tensors: LayerTensors[] | null = null
  private amplificationTensor: tf.Tensor1D | null = null
  private tensorsReady: Promise<void> | null = null
  private disposed = false
  private readonly outputNoise: OutputNoise | undefined

  constructor(definition: SurrogateDefinition, simulation: SimulationOptions = {}) {
    this.inputCount = definition.inputCount
    this.outputCount = definition.outputCount
    this.hiddenSizes = [...definition.hiddenSizes]
    this.activation = definition.activation
    this.voltageRangesVolts = definition.voltageRangesVolts.map(([lo, hi]): [number, number] => [lo, hi])
    this.amplification =
      simulation.amplification === undefined
        ? [...definition.amplification]
        : definition.amplification.map(() => simulation.amplification!)
    const clipping = simulation.clippingValueNanoamps ?? definition.clippingValueNanoamps
    if (!(clipping[0] < clipping[1]))
      throw new RangeError(`clipping value must be [lo, hi] with lo < hi, got [${clipping.join(', ')}]`)
    if (!this.amplification.every((a) => Number.isFinite(a) && a !== 0))
      throw new RangeError('amplification must be finite and non-zero')
    this.clippingValueNanoamps = [clipping[0], clipping[1]]
    this.outputNoise = checkOutputNoise(simulation.outputNoise)
    this.layers = definition.layers
  }

  get activationElectrodeCount(): number {
    return this.inputCount
  }

  /**
   * MLP(x) * amplification, plus the output noise if any, clamped to the clipping value, for
   * `rowCount` rows in one kernel (or tfjs) call. Returns rowCount x outputCount nA, row-major.
   */
  async forwardNanoamps(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    if (!this.outputNoise) return this.forward(inputsVolts, rowCount, true, 'forwardNanoamps')
    const values = await this.forward(inputsVolts, rowCount, false, 'forwardNanoamps')
    return applyOutputNoise(values, this.outputNoise, this.clippingValueNanoamps)
  }

  /**
   * MLP(x) * amplification with neither noise nor clipping: the values the noise step
   * (applyOutputNoise) starts from. A pool that evaluates rows in other threads and adds the
   * noise itself uses this, since clipping before the noise would change the result.
   */
  forwardUnclippedNanoamps(inputsVolts: Float32Array, rowCount: number): Promise<Float32Array> {
    return this.forward(inputsVolts, rowCount, false, 'forwardUnclippedNanoamps')
  }

  private async forward(
    inputsVolts: Float32Array,
    rowCount: number,
    clip: boolean,
    caller: string
  ): Promise<Float32Array> {
    if (this.disposed) throw new Error(`SurrogateModel: ${caller} after dispose()`)
    if (!Number.isInteger(rowCount) || rowCount < 0)
      throw new RangeError(`rowCount must be a non-negative integer, got ${rowCount}`)
    if (inputsVolts.length !== rowCount * this.inputCount) {
      throw new RangeError(
        `inputsVolts has ${inputsVolts.length} values, expected ${rowCount} rows x ${this.inputCount} electrodes`
      )
    }
    if (rowCount === 0) return new Float32Array(0)
    await this.ensureTensors()
    if (this.disposed) throw new Error(`SurrogateModel: ${caller} after dispose()`)
    if (this.kernel) return this.kernel.forward(inputsVolts, rowCount, clip)
    const layers = this.tensors!
    const amplification = this.amplificationTensor!
    const [clipLo, clipHi] = this.clippingValueNanoamps
    const output = tf.tidy(() => {
      let x: tf.Tensor2D = tf.tensor2d(inputsVolts, [rowCount, this.inputCount], 'float32')
      layers.forEach((layer, index) => {
        x = dense(x, layer, index < layers.length - 1 ? this.activation : null)
      })
      const scaled = tf.mul(x, amplification)
      // With noise, clipping comes after it (applyOutputNoise), as in the reference.
      return clip ? tf.clipByValue(scaled, clipLo, clipHi) : scaled
    })
    try {
      const data = await output.data()
      return data instanceof Float32Array ? data : Float32Array.from(data)
    } finally {
      output.dispose()
    }
  }

  /** The same forward in float64 plain JS, row by row: the reference the kernel and tfjs paths are tested against. */
  forwardNanoampsReference(rows: number[][]): number[][] {
    const [clipLo, clipHi] = this.clippingValueNanoamps
    return rows.map((row, r) => {
      if (row.length !== this.inputCount)
        throw new RangeError(`row ${r} has ${row.length} voltages, expected ${this.inputCount}`)
      let x = row
      this.layers.forEach((layer, index) => {
        const isLast = index === this.layers.length - 1
        x = layer.weight.map((weights, o) => {
          let sum = layer.bias[o]!
          for (let i = 0; i < weights.length; i += 1) sum += weights[i]! * x[i]!
          return isLast ? sum : applyActivation(sum, this.activation)
        })
      })
      return x.map((value, o) => clamp(value * this.amplification[o]!, clipLo, clipHi))
    })
  }

  /** Free the weights (kernel memory or tensors). The model cannot be used afterwards. */
  dispose(): void {
    this.disposed = true
    this.kernel = null
    this.tensors?.forEach((layer) => {
      layer.weight.dispose()
      layer.bias.dispose()
    })
    this.amplificationTensor?.dispose()
    this.tensors = null
    this.amplificationTensor = null
  }

  // Weights are uploaded lazily, after the backend is chosen, so they are created on the backend
  // that will run the forwards instead of being migrated from the default one. The kernel needs
  // no backend, but initComputeBackend still runs: other code reads the chosen backend.
  private ensureTensors(): Promise<void> {
    this.tensorsReady ??= (async () => {
      await initComputeBackend()
      if (this.disposed) return
      if (usesMlpKernel(this.activation)) {
        const kernel = await MlpKernel.create({
          layers: this.layers,
          activation: this.activation,
          amplification: this.amplification,
          clippingValueNanoamps: this.clippingValueNanoamps
        })
        if (!this.disposed) this.kernel = kernel
        return
      }
      this.tensors = this.layers.map((layer) => {
        const outSize = layer.weight.length
        const inSize = layer.weight[0]!.length
        const transposed = new Float32Array(inSize * outSize)
        layer.weight.forEach((row, o) => row.forEach((w, i) => (transposed[i * outSize + o] = w)))
        return {
          weight: tf.tensor2d(transposed, [inSize, outSize], 'float32'),
          bias: tf.tensor1d(layer.bias, 'float32')
        }
      })
      this.amplificationTensor = tf.tensor1d([...this.amplification], 'float32')
    })()
    return this.tensorsReady
  }
}
