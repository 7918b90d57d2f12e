// The GD losses and their gradients with respect to the batch outputs, by hand in float64 JS.
// Same formulas as the tfjs versions in losses.ts (tested equal, value and gradient), but ~20x
// cheaper per batch: tfjs autograd over a few hundred values costs as much as the surrogate's
// forward pass on the wasm backend (dozens of tiny kernel calls). sigmoid_nn_distance stays on
// the tfjs path (losses.ts), whose sort-based gradient is not worth repeating here.

export interface LossAndGradient {
  loss: number
  /** d loss / d output, one per point. */
  outputGradient: Float64Array
}

function mean(values: ArrayLike<number>, indices?: readonly number[]): number {
  let sum = 0
  if (indices) {
    for (const i of indices) sum += values[i]!
    return sum / indices.length
  }
  for (let i = 0; i < values.length; i += 1) sum += values[i]!
  return sum / values.length
}

function classIndices(targets: readonly number[], label: number): number[] {
  const indices: number[] = []
  targets.forEach((t, i) => t === label && indices.push(i))
  return indices
}

/** Pearson r and dr/dx_i = vy_i / (Sx Sy) - r vx_i / Sx^2 (v = deviation from the mean, S = root of sum of squares). */
function pearsonWithGradient(x: ArrayLike<number>, y: readonly number[]): { r: number; gradient: Float64Array } {
  const n = x.length
  const mx = mean(x)
  const my = mean(y)
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i += 1) {
    const vx = x[i]! - mx
    const vy = y[i]! - my
    sxy += vx * vy
    sxx += vx * vx
    syy += vy * vy
  }
  const sx = Math.sqrt(sxx)
  const sy = Math.sqrt(syy)
  const r = sxy / (sx * sy)
  const gradient = new Float64Array(n)
  for (let i = 0; i < n; i += 1) gradient[i] = (y[i]! - my) / (sx * sy) - (r * (x[i]! - mx)) / sxx
  return { r, gradient }
}

/** corrsig = (shift - r) * (1 + exp(-z)), z = (min(out | t=1) - max(out | t=0) - center) / scale. */
export function corrsigLossGradient(
  output: ArrayLike<number>,
  targets: readonly number[],
  sigmoidCenter = 0,
  sigmoidScale = 1,
  corrShift = 1.1
): LossAndGradient {
  const high = classIndices(targets, 1)
  const low = classIndices(targets, 0)
  if (high.length === 0 || low.length === 0) throw new RangeError('corrsig needs targets with both classes 0 and 1')
  // The first index of the minimum / maximum takes the gradient, as torch's min / max do.
  let argMin = high[0]!
  for (const i of high) if (output[i]! < output[argMin]!) argMin = i
  let argMax = low[0]!
  for (const i of low) if (output[i]! > output[argMax]!) argMax = i
  const z = (output[argMin]! - output[argMax]! - sigmoidCenter) / sigmoidScale
  const expNegZ = Math.exp(-z)
  const { r, gradient } = pearsonWithGradient(output, targets)
  const loss = (corrShift - r) * (1 + expNegZ)
  // d/dr = -(1 + e^-z); d/dz = -(shift - r) e^-z; dz/d(min) = 1/scale, dz/d(max) = -1/scale.
  const outputGradient = gradient.map((g) => -(1 + expNegZ) * g)
  const dz = (-(corrShift - r) * expNegZ) / sigmoidScale
  outputGradient[argMin]! += dz
  outputGradient[argMax]! -= dz
  return { loss, outputGradient }
}

/** fisher = -(m1 - m0)^2 / (var0 + var1), unbiased variances. */
export function fisherLossGradient(output: ArrayLike<number>, targets: readonly number[]): LossAndGradient {
  const high = classIndices(targets, 1)
  const low = classIndices(targets, 0)
  const m1 = mean(output, high)
  const m0 = mean(output, low)
  const variance = (indices: number[], m: number): number =>
    indices.reduce((sum, i) => sum + (output[i]! - m) ** 2, 0) / (indices.length - 1)
  const v = variance(low, m0) + variance(high, m1)
  const d = m1 - m0
  const loss = -(d * d) / v
  const outputGradient = new Float64Array(output.length)
  // d loss = -(2 d dd / v - d^2 dv / v^2); dd/dx_i = +-1/n_class; dv/dx_i = 2 (x_i - m_class) / (n_class - 1).
  for (const [indices, m, sign] of [
    [high, m1, 1],
    [low, m0, -1]
  ] as const) {
    for (const i of indices) {
      const dd = sign / indices.length
      const dv = (2 * (output[i]! - m)) / (indices.length - 1)
      outputGradient[i] = -((2 * d * dd) / v - (d * d * dv) / (v * v))
    }
  }
  return { loss, outputGradient }
}

/** Mean squared error. */
export function mseLossGradient(output: ArrayLike<number>, targets: readonly number[]): LossAndGradient {
  const n = output.length
  let loss = 0
  const outputGradient = new Float64Array(n)
  for (let i = 0; i < n; i += 1) {
    const e = output[i]! - targets[i]!
    loss += e * e
    outputGradient[i] = (2 * e) / n
  }
  return { loss: loss / n, outputGradient }
}

/**
 * Mean BCE-with-logits on logits w * output + b (the learned readout), overflow-safe
 * max(l, 0) - l t + log(1 + exp(-|l|)); also d loss / d w and d loss / d b.
 */
export function bceReadoutLossGradient(
  output: ArrayLike<number>,
  targets: readonly number[],
  weight: number,
  bias: number
): LossAndGradient & { weightGradient: number; biasGradient: number } {
  const n = output.length
  let loss = 0
  let weightGradient = 0
  let biasGradient = 0
  const outputGradient = new Float64Array(n)
  for (let i = 0; i < n; i += 1) {
    const l = weight * output[i]! + bias
    const t = targets[i]!
    loss += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)))
    const dl = (1 / (1 + Math.exp(-l)) - t) / n
    outputGradient[i] = weight * dl
    weightGradient += output[i]! * dl
    biasGradient += dl
  }
  return { loss: loss / n, outputGradient, weightGradient, biasGradient }
}
