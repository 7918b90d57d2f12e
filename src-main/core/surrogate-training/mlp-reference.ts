// The surrogate MLP in float64 plain JS: PyTorch's nn.Linear initialisation, forward, MSE loss
// with its gradient to every weight, and one Adam step. Small and slow on purpose: it is the
// ground truth the fast tfjs trainer (mlp-trainer.ts) is tested against, and the initialisation
// both use (so a seed gives the same starting weights whatever engine trains).
import type { Rng } from '../rng.js'
import { applyActivation, type ActivationName, type SurrogateLayer } from '../surrogate-definition.js'

/** Adam's settings; the defaults are torch.optim.Adam's. */
export interface AdamOptions {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
}

export const DEFAULT_ADAM: Readonly<AdamOptions> = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }

/** Adam's running moments, one SurrogateLayer-shaped copy each, and the steps taken so far. */
export interface AdamMoments {
  step: number
  firstMoment: SurrogateLayer[]
  secondMoment: SurrogateLayer[]
}

/** Layer sizes [D_in, ...hidden, D_out] as a list of (in, out) pairs. */
function layerShapes(sizes: readonly number[]): [number, number][] {
  if (sizes.length < 2) throw new RangeError(`an MLP needs at least input and output sizes, got [${sizes.join(', ')}]`)
  sizes.forEach((size, i) => {
    if (!Number.isInteger(size) || size < 1 || size > 4096)
      throw new RangeError(`layer size ${i} must be a whole number in [1, 4096], got ${size}`)
  })
  return sizes.slice(1).map((out, i): [number, number] => [sizes[i]!, out])
}

/**
 * PyTorch's nn.Linear default initialisation (kaiming_uniform with a = sqrt(5) for the weight,
 * which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias), layer by layer:
 * the weight's out x in values row by row, then the bias. Draws (in + 1) x out values per layer.
 */
export function initLayers(sizes: readonly number[], rng: Rng): SurrogateLayer[] {
  return layerShapes(sizes).map(([inSize, outSize]) => {
    const bound = 1 / Math.sqrt(inSize)
    const weight = Array.from({ length: outSize }, () =>
      Array.from({ length: inSize }, () => rng.uniform(-bound, bound))
    )
    const bias = Array.from({ length: outSize }, () => rng.uniform(-bound, bound))
    return { weight, bias }
  })
}

/** A SurrogateLayer-shaped copy filled with zeros (Adam's initial moments). */
export function zerosLike(layers: readonly SurrogateLayer[]): SurrogateLayer[] {
  return layers.map((layer) => ({
    weight: layer.weight.map((row) => row.map(() => 0)),
    bias: layer.bias.map(() => 0)
  }))
}

export function copyLayers(layers: readonly SurrogateLayer[]): SurrogateLayer[] {
  return layers.map((layer) => ({ weight: layer.weight.map((row) => [...row]), bias: [...layer.bias] }))
}

/** d activation / d z, torch's conventions at the kinks (relu' = 0 at 0, hardtanh' = 0 at +-1). */
function activationDerivative(z: number, activation: ActivationName): number {
  switch (activation) {
    case 'relu':
      return z > 0 ? 1 : 0
    case 'elu':
      return z > 0 ? 1 : Math.exp(z)
    case 'tanh':
      return 1 - Math.tanh(z) ** 2
    case 'hard-tanh':
      return z > -1 && z < 1 ? 1 : 0
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-z))
      return s * (1 - s)
    }
  }
}

/** Pre-activations of every layer for one row (the last layer's are the outputs). */
function forwardRow(layers: readonly SurrogateLayer[], activation: ActivationName, row: readonly number[]): number[][] {
  const preActivations: number[][] = []
  let x: readonly number[] = row
  layers.forEach((layer, index) => {
    const z = layer.weight.map((weights, o) => weights.reduce((sum, w, i) => sum + w * x[i]!, layer.bias[o]!))
    preActivations.push(z)
    x = index < layers.length - 1 ? z.map((value) => applyActivation(value, activation)) : z
  })
  return preActivations
}

/** The MLP's raw outputs (no amplification) for each row. */
export function forwardReference(
  layers: readonly SurrogateLayer[],
  activation: ActivationName,
  rows: readonly (readonly number[])[]
): number[][] {
  return rows.map((row) => forwardRow(layers, activation, row).at(-1)!)
}

/**
 * MSE (mean over rows and outputs, as torch.nn.MSELoss) of the MLP's outputs against `targets`,
 * and its gradient to every weight and bias, by backpropagation.
 */
export function lossAndGradientsReference(
  layers: readonly SurrogateLayer[],
  activation: ActivationName,
  rows: readonly (readonly number[])[],
  targets: readonly (readonly number[])[]
): { loss: number; gradients: SurrogateLayer[] } {
  if (rows.length === 0 || rows.length !== targets.length)
    throw new RangeError(
      `need as many target rows as input rows (at least 1), got ${targets.length} and ${rows.length}`
    )
  const gradients = zerosLike(layers)
  const outputCount = layers.at(-1)!.bias.length
  const count = rows.length * outputCount
  let loss = 0
  rows.forEach((row, r) => {
    const preActivations = forwardRow(layers, activation, row)
    const inputsOf = (index: number): readonly number[] =>
      index === 0 ? row : preActivations[index - 1]!.map((z) => applyActivation(z, activation))
    // d loss / d z of the output layer, then back through the layers.
    let delta = preActivations.at(-1)!.map((y, o) => {
      const error = y - targets[r]![o]!
      loss += error * error
      return (2 * error) / count
    })
    for (let index = layers.length - 1; index >= 0; index -= 1) {
      const x = inputsOf(index)
      const gradient = gradients[index]!
      delta.forEach((d, o) => {
        gradient.bias[o]! += d
        x.forEach((xi, i) => (gradient.weight[o]![i]! += d * xi))
      })
      if (index === 0) break
      const below = preActivations[index - 1]!
      delta = below.map(
        (z, i) =>
          activationDerivative(z, activation) * delta.reduce((sum, d, o) => sum + d * layers[index]!.weight[o]![i]!, 0)
      )
    }
  })
  return { loss: loss / count, gradients }
}

/**
 * One torch.optim.Adam step (no weight decay, no amsgrad), in place on `layers` and `moments`:
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 */
export function adamStepReference(
  layers: SurrogateLayer[],
  gradients: readonly SurrogateLayer[],
  moments: AdamMoments,
  options: AdamOptions = DEFAULT_ADAM
): void {
  moments.step += 1
  const { learningRate, beta1, beta2, epsilon } = options
  const correction1 = 1 - beta1 ** moments.step
  const correction2 = 1 - beta2 ** moments.step
  const update = (values: number[], grads: readonly number[], m: number[], v: number[]): void => {
    values.forEach((value, i) => {
      const g = grads[i]!
      m[i] = beta1 * m[i]! + (1 - beta1) * g
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g
      values[i] = value - (learningRate * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + epsilon)
    })
  }
  layers.forEach((layer, index) => {
    const gradient = gradients[index]!
    const m = moments.firstMoment[index]!
    const v = moments.secondMoment[index]!
    layer.weight.forEach((row, o) => update(row, gradient.weight[o]!, m.weight[o]!, v.weight[o]!))
    update(layer.bias, gradient.bias, m.bias, v.bias)
  })
}
