// One layer of the surrogate MLP as tfjs ops, shared by the plain forward (SurrogateModel) and
// the differentiable one (gd/DifferentiableSurrogate) so both compute exactly the same thing.
import * as tf from '@tensorflow/tfjs'
import type { ActivationName } from './surrogate-definition.js'

export interface DenseWeights {
  /** in x out, so a row batch is x.matMul(weight). */
  weight: tf.Tensor2D
  bias: tf.Tensor1D
}

/** Activations tfjs fuses into its matMul kernel: one pass over the output instead of three. */
const FUSABLE: Partial<Record<ActivationName, 'relu' | 'elu' | 'sigmoid'>> = {
  relu: 'relu',
  elu: 'elu',
  sigmoid: 'sigmoid'
}

/** x . W + b, then the activation (none for the output layer: `activation` null). */
export function dense(x: tf.Tensor2D, layer: DenseWeights, activation: ActivationName | null): tf.Tensor2D {
  if (activation === null) return tf.fused.matMul({ a: x, b: layer.weight, bias: layer.bias }) as tf.Tensor2D
  const fused = FUSABLE[activation]
  if (fused) return tf.fused.matMul({ a: x, b: layer.weight, bias: layer.bias, activation: fused }) as tf.Tensor2D
  const z = tf.add(tf.matMul(x, layer.weight), layer.bias) as tf.Tensor2D
  // tanh, or hard-tanh: torch.nn.Hardtanh() defaults.
  return activation === 'tanh' ? tf.tanh(z) : tf.clipByValue(z, -1, 1)
}
