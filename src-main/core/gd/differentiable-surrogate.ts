// The surrogate MLP for gradient descent: a forward that keeps what the backward pass needs,
// and a hand-written backward to the INPUT rows (the surrogate is frozen, so no weight
// gradients are ever needed). tfjs autograd computes the same thing ~6x slower on the wasm
// backend (its matMul with a transposed operand takes a slow path), so the backward multiplies
// by pre-transposed weight copies instead. For ReLU models, where the runtime has WebAssembly SIMD,
// forwardWithGradient runs on the hand-written kernel (kernels/mlp-kernel.ts: forward and backward
// skip the units a ReLU switched off) and the tfjs version is the fallback. Built from the same
// SurrogateDefinition as SurrogateModel; tests check both forwards and the gradient against tfjs
// autograd.
import * as tf from '@tensorflow/tfjs'
import { initComputeBackend } from '../compute-backend.js'
import { dense, type DenseWeights } from '../dense-layer.js'
import { MlpKernel, usesMlpKernel, type KernelPass } from '../kernels/mlp-kernel.js'
import type { SimulationOptions } from '../surrogate.js'
import type { ActivationName, SurrogateDefinition } from '../surrogate-definition.js'

/**
 * d activation / d pre-activation, from the activation's OUTPUT y (so the pre-activation need
 * not be kept), with torch's conventions at the kinks: relu' = 0 at 0, hardtanh' = 0 at +-1.
 */
function derivativeFromOutput(y: tf.Tensor2D, activation: ActivationName): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.step(y) // y > 0 <=> x > 0
    case 'elu':
      return tf.add(tf.minimum(y, 0), 1) as tf.Tensor2D // 1 for x > 0, exp(x) = y + 1 otherwise
    case 'tanh':
      return tf.sub(1, tf.square(y))
    case 'hard-tanh':
      return tf.step(tf.sub(1, tf.abs(y))) as tf.Tensor2D // 1 strictly inside (-1, 1)
    case 'sigmoid':
      return tf.mul(y, tf.sub(1, y))
  }
}

interface LayerTensors extends DenseWeights {
  /** out x in (PyTorch's layout): the backward's gradient.matMul(weightTransposed). */
  weightTransposed: tf.Tensor2D
}

/** A forward pass that can still be differentiated; dispose() when done with it. */
export interface ForwardWithGradient {
  /** rows x outputCount nA, row-major (amplified and clipped). */
  outputsNanoamps: Float32Array
  /** d loss / d inputs (rows x inputCount) for d loss / d outputs (rows x outputCount). */
  inputGradient(outputGradient: Float32Array): Promise<Float32Array>
  dispose(): void
}

/**
 * What GdTrainer differentiates through: a forward over rows of activation voltages that keeps
 * what the backward to the inputs needs. DifferentiableSurrogate is the one-thread implementation;
 * callers outside core may supply another (the workers' EvaluationPool splits the rows over
 * threads), which must give the same bits: rows are independent, so concatenating per-chunk
 * results equals one pass over all rows.
 */
export interface DifferentiableProcessor {
  forwardWithGradient(inputsVolts: Float32Array, rowCount: number): Promise<ForwardWithGradient>
  /** May return a promise (a thread pool); GdTrainer does not wait for it. */
  dispose(): unknown
}

/** Makes the DifferentiableProcessor for a surrogate definition and its simulation overrides. */
export type DifferentiableProcessorFactory = (
  definition: SurrogateDefinition,
  simulation: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'>
) => DifferentiableProcessor | Promise<DifferentiableProcessor>

export class DifferentiableSurrogate implements DifferentiableProcessor {
  readonly inputCount: number
  readonly outputCount: number
  readonly amplification: readonly number[]
  readonly clippingValueNanoamps: readonly [number, number]
  private readonly activation: ActivationName
  private readonly layers: LayerTensors[]
  private readonly amplificationTensor: tf.Tensor1D
  /** Runs forwardWithGradient where available; the tensors still serve forward() (autograd). */
  private readonly kernel: MlpKernel | null

  private constructor(
    definition: SurrogateDefinition,
    simulation: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'>,
    kernel: MlpKernel | null
  ) {
    this.kernel = kernel
    this.inputCount = definition.inputCount
    this.outputCount = definition.outputCount
    this.activation = definition.activation
    // The same overrides as SurrogateModel, so both forwards agree for the same options.
    this.amplification = definition.amplification.map((a) => simulation.amplification ?? a)
    const clipping = simulation.clippingValueNanoamps ?? definition.clippingValueNanoamps
    if (!(clipping[0] < clipping[1]))
      throw new RangeError(`clipping value must be [lo, hi] with lo < hi, got [${clipping.join(', ')}]`)
    this.clippingValueNanoamps = [clipping[0], clipping[1]]
    this.layers = definition.layers.map((layer) => {
      const outSize = layer.weight.length
      const inSize = layer.weight[0]!.length
      const transposed = new Float32Array(inSize * outSize)
      layer.weight.forEach((row, o) => row.forEach((w, i) => (transposed[i * outSize + o] = w)))
      return {
        weight: tf.tensor2d(transposed, [inSize, outSize], 'float32'),
        weightTransposed: tf.tensor2d(layer.weight.flat(), [outSize, inSize], 'float32'),
        bias: tf.tensor1d(layer.bias, 'float32')
      }
    })
    this.amplificationTensor = tf.tensor1d([...this.amplification], 'float32')
  }

  /** Async because the weights must be created on the backend the forwards will run on. */
  static async create(
    definition: SurrogateDefinition,
    simulation: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'> = {}
  ): Promise<DifferentiableSurrogate> {
    await initComputeBackend()
    let kernel: MlpKernel | null = null
    if (usesMlpKernel(definition.activation)) {
      // The same overrides as the constructor applies (checked there).
      const clipping = simulation.clippingValueNanoamps ?? definition.clippingValueNanoamps
      if (!(clipping[0] < clipping[1]))
        throw new RangeError(`clipping value must be [lo, hi] with lo < hi, got [${clipping.join(', ')}]`)
      kernel = await MlpKernel.create({
        layers: definition.layers,
        activation: definition.activation,
        amplification: definition.amplification.map((a) => simulation.amplification ?? a),
        clippingValueNanoamps: clipping
      })
    }
    return new DifferentiableSurrogate(definition, simulation, kernel)
  }

  /**
   * rows x inputCount volts -> rows x outputCount nA: MLP(x) * amplification, clipped. A tfjs
   * graph (autograd works through it, with zero gradient outside the clipping value as
   * torch.clamp); the trainer uses forwardWithGradient, this is its reference in tests.
   */
  forward(rows: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let x = rows
      this.layers.forEach((layer, index) => {
        x = dense(x, layer, index < this.layers.length - 1 ? this.activation : null)
      })
      const [lo, hi] = this.clippingValueNanoamps
      return tf.clipByValue(tf.mul(x, this.amplificationTensor), lo, hi) as tf.Tensor2D
    })
  }

  /** Forward over `rowCount` rows keeping the activation derivatives for inputGradient(). */
  async forwardWithGradient(inputsVolts: Float32Array, rowCount: number): Promise<ForwardWithGradient> {
    if (inputsVolts.length !== rowCount * this.inputCount) {
      throw new RangeError(
        `inputsVolts has ${inputsVolts.length} values, expected ${rowCount} rows x ${this.inputCount} inputs`
      )
    }
    if (this.kernel) return this.forwardWithGradientOnKernel(this.kernel, inputsVolts, rowCount)
    const [lo, hi] = this.clippingValueNanoamps
    // Kept outside tidy on purpose: the derivatives live until dispose().
    const { derivatives, clipGate, output } = tf.tidy(() => {
      let x: tf.Tensor2D = tf.tensor2d(inputsVolts, [rowCount, this.inputCount], 'float32')
      const kept: tf.Tensor2D[] = []
      this.layers.forEach((layer, index) => {
        const hidden = index < this.layers.length - 1
        x = dense(x, layer, hidden ? this.activation : null)
        if (hidden) kept.push(derivativeFromOutput(x, this.activation))
      })
      const scaled = tf.mul(x, this.amplificationTensor)
      // torch.clamp passes the gradient where lo <= value <= hi; folded with the amplification.
      const inside = tf.logicalAnd(tf.greaterEqual(scaled, lo), tf.lessEqual(scaled, hi))
      const gate = tf.mul(tf.cast(inside, 'float32'), this.amplificationTensor) as tf.Tensor2D
      return { derivatives: kept, clipGate: gate, output: tf.clipByValue(scaled, lo, hi) as tf.Tensor2D }
    })
    const outputsNanoamps = (await output.data()) as Float32Array
    output.dispose()
    let disposed = false
    const dispose = (): void => {
      if (disposed) return
      disposed = true
      tf.dispose([...derivatives, clipGate])
    }
    const inputGradient = async (outputGradient: Float32Array): Promise<Float32Array> => {
      if (disposed) throw new Error('inputGradient after dispose()')
      if (outputGradient.length !== rowCount * this.outputCount) {
        throw new RangeError(
          `outputGradient has ${outputGradient.length} values, expected ${rowCount} x ${this.outputCount}`
        )
      }
      const gradient = tf.tidy(() => {
        let g: tf.Tensor2D = tf.mul(tf.tensor2d(outputGradient, [rowCount, this.outputCount], 'float32'), clipGate)
        for (let index = this.layers.length - 1; index >= 0; index -= 1) {
          g = tf.matMul(g, this.layers[index]!.weightTransposed)
          if (index > 0) g = tf.mul(g, derivatives[index - 1]!)
        }
        return g
      })
      const values = (await gradient.data()) as Float32Array
      gradient.dispose()
      return values
    }
    return { outputsNanoamps, inputGradient, dispose }
  }

  /** forwardWithGradient on the kernel: it keeps each row's hidden outputs and clip gate. */
  private forwardWithGradientOnKernel(
    kernel: MlpKernel,
    inputsVolts: Float32Array,
    rowCount: number
  ): ForwardWithGradient {
    let pass: KernelPass | null = kernel.forwardKeeping(inputsVolts, rowCount)
    const outputsNanoamps = pass.outputsNanoamps
    const inputGradient = async (outputGradient: Float32Array): Promise<Float32Array> => {
      if (!pass) throw new Error('inputGradient after dispose()')
      if (outputGradient.length !== rowCount * this.outputCount) {
        throw new RangeError(
          `outputGradient has ${outputGradient.length} values, expected ${rowCount} x ${this.outputCount}`
        )
      }
      return kernel.inputGradient(pass, outputGradient, rowCount)
    }
    const dispose = (): void => {
      if (pass) kernel.release(pass)
      pass = null
    }
    return { outputsNanoamps, inputGradient, dispose }
  }

  dispose(): void {
    this.layers.forEach(({ weight, weightTransposed, bias }) => tf.dispose([weight, weightTransposed, bias]))
    this.amplificationTensor.dispose()
  }
}
