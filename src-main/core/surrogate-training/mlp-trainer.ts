// The fast trainer: the surrogate MLP's weights as tfjs variables, forward + backward to the
// weights + a torch-style Adam update per mini-batch, on the compute backend the app uses (wasm).
// The backward is written out by hand rather than left to tfjs autograd, for the same reason as
// gd/DifferentiableSurrogate's: a matMul with a transposed operand takes a slow path on the wasm
// backend, so the operands are transposed explicitly first. Adam is written out too, so its
// moments are plain tensors we can read back for a checkpoint and restore exactly.
// Checked against mlp-reference.ts (float64) in the tests.
import * as tf from '@tensorflow/tfjs'
import { initComputeBackend } from '../compute-backend.js'
import type { ActivationName, SurrogateLayer } from '../surrogate-definition.js'
import { DEFAULT_ADAM, zerosLike, type AdamMoments, type AdamOptions } from './mlp-reference.js'

/** Rows per forward in predict(): bounds the activations' memory whatever the set's size. */
const PREDICT_BLOCK_ROWS = 4096

interface LayerVariables {
  /** in x out, so a row batch is x.matMul(weight). */
  weight: tf.Variable<tf.Rank.R2>
  bias: tf.Variable<tf.Rank.R1>
}

export interface MlpTrainerOptions {
  /** Starting weights (PyTorch layout, out x in). */
  layers: readonly SurrogateLayer[]
  activation: ActivationName
  adam?: Partial<AdamOptions> | undefined
  /** Adam's state to continue from (a resumed run); fresh zero moments when absent. */
  moments?: AdamMoments | undefined
}

function toVariables(layers: readonly SurrogateLayer[]): LayerVariables[] {
  return layers.map((layer) => ({
    weight: tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(layer.weight, undefined, 'float32')))),
    bias: tf.variable(tf.tensor1d(layer.bias, 'float32'))
  }))
}

async function toLayers(variables: readonly LayerVariables[]): Promise<SurrogateLayer[]> {
  return Promise.all(
    variables.map(async (layer) => {
      const weightOutByIn = tf.transpose(layer.weight)
      try {
        return { weight: (await weightOutByIn.array()) as number[][], bias: await layer.bias.array() }
      } finally {
        weightOutByIn.dispose()
      }
    })
  )
}

function activate(z: tf.Tensor2D, activation: ActivationName): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(z)
    case 'elu':
      return tf.elu(z)
    case 'tanh':
      return tf.tanh(z)
    case 'hard-tanh':
      return tf.clipByValue(z, -1, 1)
    case 'sigmoid':
      return tf.sigmoid(z)
  }
}

/** d activation / d z from the activation's output y, torch's conventions at the kinks. */
function derivativeFromOutput(y: tf.Tensor2D, activation: ActivationName): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.step(y)
    case 'elu':
      return tf.add(tf.minimum(y, 0), 1) as tf.Tensor2D
    case 'tanh':
      return tf.sub(1, tf.square(y))
    case 'hard-tanh':
      return tf.step(tf.sub(1, tf.abs(y))) as tf.Tensor2D
    case 'sigmoid':
      return tf.mul(y, tf.sub(1, y))
  }
}

function checkLayers(layers: readonly SurrogateLayer[]): void {
  if (layers.length === 0) throw new RangeError('the MLP needs at least one layer')
  layers.forEach((layer, index) => {
    const inSize = layer.weight[0]?.length ?? 0
    if (inSize === 0 || layer.bias.length !== layer.weight.length)
      throw new RangeError(`layers[${index}] must be a non-empty out x in weight with one bias per output row`)
    if (index > 0 && inSize !== layers[index - 1]!.weight.length)
      throw new RangeError(
        `layers[${index}] takes ${inSize} inputs but layers[${index - 1}] has ${layers[index - 1]!.weight.length} outputs`
      )
  })
}

export class MlpTrainer {
  readonly inputCount: number
  readonly outputCount: number
  private readonly adam: AdamOptions
  private adamStep: number
  private disposed = false

  private constructor(
    private readonly activation: ActivationName,
    private readonly variables: LayerVariables[],
    private readonly firstMoment: LayerVariables[],
    private readonly secondMoment: LayerVariables[],
    adam: AdamOptions,
    adamStep: number
  ) {
    this.inputCount = variables[0]!.weight.shape[0]
    this.outputCount = variables.at(-1)!.weight.shape[1]
    this.adam = adam
    this.adamStep = adamStep
  }

  static async create(options: MlpTrainerOptions): Promise<MlpTrainer> {
    checkLayers(options.layers)
    const adam = { ...DEFAULT_ADAM, ...options.adam }
    const { learningRate, beta1, beta2, epsilon } = adam
    if (!(learningRate > 0 && Number.isFinite(learningRate)))
      throw new RangeError(`learning rate must be a finite number > 0, got ${learningRate}`)
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
      throw new RangeError(`Adam betas must be in [0, 1), got ${beta1}, ${beta2}`)
    if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`Adam epsilon must be > 0, got ${epsilon}`)
    const moments = options.moments ?? {
      step: 0,
      firstMoment: zerosLike(options.layers),
      secondMoment: zerosLike(options.layers)
    }
    if (!Number.isInteger(moments.step) || moments.step < 0)
      throw new RangeError(`Adam step count must be a whole number >= 0, got ${moments.step}`)
    const sameShape = (other: readonly SurrogateLayer[]): boolean =>
      other.length === options.layers.length &&
      other.every(
        (layer, i) =>
          layer.bias.length === options.layers[i]!.bias.length &&
          layer.weight.length === options.layers[i]!.weight.length &&
          layer.weight.every((row) => row.length === options.layers[i]!.weight[0]!.length)
      )
    if (!sameShape(moments.firstMoment) || !sameShape(moments.secondMoment))
      throw new RangeError("Adam's moments must have the same shapes as the layers")
    await initComputeBackend()
    return new MlpTrainer(
      options.activation,
      toVariables(options.layers),
      toVariables(moments.firstMoment),
      toVariables(moments.secondMoment),
      adam,
      moments.step
    )
  }

  private checkBatch(inputs: Float32Array, rowCount: number, targets?: Float32Array): void {
    if (this.disposed) throw new Error('MlpTrainer used after dispose()')
    if (!Number.isInteger(rowCount) || rowCount < 1)
      throw new RangeError(`rowCount must be a whole number >= 1, got ${rowCount}`)
    if (inputs.length !== rowCount * this.inputCount)
      throw new RangeError(`inputs has ${inputs.length} values, expected ${rowCount} rows x ${this.inputCount}`)
    if (targets && targets.length !== rowCount * this.outputCount)
      throw new RangeError(`targets has ${targets.length} values, expected ${rowCount} rows x ${this.outputCount}`)
  }

  /** Layer outputs: [x, a1, ..., output] (the output layer has no activation). Inside a tidy. */
  private forwardKeeping(x: tf.Tensor2D): tf.Tensor2D[] {
    const outputs = [x]
    this.variables.forEach((layer, index) => {
      const isLast = index === this.variables.length - 1
      const z = tf.add(tf.matMul(outputs.at(-1)!, layer.weight), layer.bias) as tf.Tensor2D
      outputs.push(isLast ? z : activate(z, this.activation))
    })
    return outputs
  }

  /** The MLP's raw outputs (rowCount x outputCount, row-major), in blocks of PREDICT_BLOCK_ROWS rows. */
  predict(inputs: Float32Array, rowCount: number): Float32Array {
    this.checkBatch(inputs, rowCount)
    const result = new Float32Array(rowCount * this.outputCount)
    for (let start = 0; start < rowCount; start += PREDICT_BLOCK_ROWS) {
      const count = Math.min(PREDICT_BLOCK_ROWS, rowCount - start)
      const block = inputs.subarray(start * this.inputCount, (start + count) * this.inputCount)
      const output = tf.tidy(() => this.forwardKeeping(tf.tensor2d(block, [count, this.inputCount])).at(-1)!)
      try {
        result.set(output.dataSync(), start * this.outputCount)
      } finally {
        output.dispose()
      }
    }
    return result
  }

  /**
   * One training step on a mini-batch: MSE of the outputs against `targets`, its gradient to
   * every weight by backpropagation, then one Adam update. Returns the batch's loss (before the
   * update, as torch's loss.item() would).
   */
  step(inputs: Float32Array, targets: Float32Array, rowCount: number): number {
    this.checkBatch(inputs, rowCount, targets)
    this.adamStep += 1
    const loss = tf.tidy(() => {
      const outputs = this.forwardKeeping(tf.tensor2d(inputs, [rowCount, this.inputCount]))
      const error = tf.sub(outputs.at(-1)!, tf.tensor2d(targets, [rowCount, this.outputCount]))
      const lossValue = tf.mean(tf.square(error))
      let delta = tf.mul(error, 2 / (rowCount * this.outputCount)) as tf.Tensor2D
      for (let index = this.variables.length - 1; index >= 0; index -= 1) {
        const layer = this.variables[index]!
        const below = outputs[index]!
        const weightGradient = tf.matMul(tf.transpose(below), delta)
        const biasGradient = tf.sum(delta, 0)
        if (index > 0) {
          // Through the weights as they were in the forward (the update comes after this line).
          delta = tf.mul(tf.matMul(delta, tf.transpose(layer.weight)), derivativeFromOutput(below, this.activation))
        }
        this.update(layer.weight, weightGradient, this.firstMoment[index]!.weight, this.secondMoment[index]!.weight)
        this.update(layer.bias, biasGradient, this.firstMoment[index]!.bias, this.secondMoment[index]!.bias)
      }
      return lossValue
    })
    try {
      return loss.dataSync()[0]!
    } finally {
      loss.dispose()
    }
  }

  /** torch.optim.Adam's update of one parameter tensor (inside step's tidy). */
  private update(parameter: tf.Variable, gradient: tf.Tensor, m: tf.Variable, v: tf.Variable): void {
    const { learningRate, beta1, beta2, epsilon } = this.adam
    const correction1 = 1 - beta1 ** this.adamStep
    const correction2 = 1 - beta2 ** this.adamStep
    m.assign(tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1)))
    v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2)))
    const stepSize = tf.div(tf.mul(m, learningRate / correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon))
    parameter.assign(tf.sub(parameter, stepSize))
  }

  /** MSE over rows (forward only). */
  loss(inputs: Float32Array, targets: Float32Array, rowCount: number): number {
    this.checkBatch(inputs, rowCount, targets)
    let sum = 0
    this.predict(inputs, rowCount).forEach((value, i) => (sum += (value - targets[i]!) ** 2))
    return sum / (rowCount * this.outputCount)
  }

  async getLayers(): Promise<SurrogateLayer[]> {
    return toLayers(this.variables)
  }

  async getMoments(): Promise<AdamMoments> {
    return {
      step: this.adamStep,
      firstMoment: await toLayers(this.firstMoment),
      secondMoment: await toLayers(this.secondMoment)
    }
  }

  /** Replace the weights (e.g. to put back the best ones); Adam's moments stay. */
  setLayers(layers: readonly SurrogateLayer[]): void {
    checkLayers(layers)
    layers.forEach((layer, index) => {
      const target = this.variables[index]
      if (
        !target ||
        layer.weight.length !== target.weight.shape[1] ||
        layer.weight[0]!.length !== target.weight.shape[0]
      )
        throw new RangeError(`layers[${index}] does not match the trainer's layer shape`)
      tf.tidy(() => {
        target.weight.assign(tf.transpose(tf.tensor2d(layer.weight, undefined, 'float32')))
        target.bias.assign(tf.tensor1d(layer.bias, 'float32'))
      })
    })
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const group of [this.variables, this.firstMoment, this.secondMoment]) {
      group.forEach((layer) => {
        layer.weight.dispose()
        layer.bias.dispose()
      })
    }
  }
}
