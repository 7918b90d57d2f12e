// The surrogate MLP as a differentiable tfjs function of its input rows, so gradients can flow
// back to the control voltages. SurrogateModel's forward returns plain arrays (no graph); this
// one returns tensors. It is built from the same SurrogateDefinition (whose layers are public),
// so SurrogateModel itself stays untouched. Weights are constants: the surrogate is frozen.
import * as tf from '@tensorflow/tfjs';
import { initComputeBackend } from '../compute-backend.js';
import type { SimulationOptions } from '../surrogate.js';
import type { ActivationName, SurrogateDefinition } from '../surrogate-definition.js';

function activate(x: tf.Tensor2D, activation: ActivationName): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'hard-tanh':
      return tf.clipByValue(x, -1, 1);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}

export class DifferentiableSurrogate {
  readonly inputCount: number;
  readonly outputCount: number;
  readonly amplification: readonly number[];
  readonly clippingValueNanoamps: readonly [number, number];
  private readonly activation: ActivationName;
  private readonly weights: { weight: tf.Tensor2D; bias: tf.Tensor1D }[];
  private readonly amplificationTensor: tf.Tensor1D;

  private constructor(definition: SurrogateDefinition, simulation: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'>) {
    this.inputCount = definition.inputCount;
    this.outputCount = definition.outputCount;
    this.activation = definition.activation;
    // The same overrides as SurrogateModel, so both forwards agree for the same options.
    this.amplification = definition.amplification.map((a) => simulation.amplification ?? a);
    const clipping = simulation.clippingValueNanoamps ?? definition.clippingValueNanoamps;
    if (!(clipping[0] < clipping[1])) throw new RangeError(`clipping value must be [lo, hi] with lo < hi, got [${clipping.join(', ')}]`);
    this.clippingValueNanoamps = [clipping[0], clipping[1]];
    this.weights = definition.layers.map((layer) => {
      const outSize = layer.weight.length;
      const inSize = layer.weight[0]!.length;
      const transposed = new Float32Array(inSize * outSize);
      layer.weight.forEach((row, o) => row.forEach((w, i) => (transposed[i * outSize + o] = w)));
      return { weight: tf.tensor2d(transposed, [inSize, outSize], 'float32'), bias: tf.tensor1d(layer.bias, 'float32') };
    });
    this.amplificationTensor = tf.tensor1d([...this.amplification], 'float32');
  }

  /** Async because the weights must be created on the backend the forwards will run on. */
  static async create(
    definition: SurrogateDefinition,
    simulation: Pick<SimulationOptions, 'amplification' | 'clippingValueNanoamps'> = {},
  ): Promise<DifferentiableSurrogate> {
    await initComputeBackend();
    return new DifferentiableSurrogate(definition, simulation);
  }

  /**
   * rows x inputCount volts -> rows x outputCount nA: MLP(x) * amplification, clipped. The clip
   * has zero gradient outside the clipping value, as torch.clamp.
   */
  forward(rows: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let x = rows;
      this.weights.forEach((layer, index) => {
        x = tf.add(tf.matMul(x, layer.weight), layer.bias);
        if (index < this.weights.length - 1) x = activate(x, this.activation);
      });
      const [lo, hi] = this.clippingValueNanoamps;
      return tf.clipByValue(tf.mul(x, this.amplificationTensor), lo, hi) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.weights.forEach(({ weight, bias }) => {
      weight.dispose();
      bias.dispose();
    });
    this.amplificationTensor.dispose();
  }
}
