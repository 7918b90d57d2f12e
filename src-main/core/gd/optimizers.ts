// Adam and SGD over a plain float64 parameter vector, in torch.optim's exact formulas. The GD
// trainer's parameters are a handful of control voltages (plus the bce readout), so the update
// costs nothing in JS, and keeping the whole optimiser state as plain numbers is what makes a
// resumed run continue exactly: a checkpoint holds the very values the next step reads.

export type GdOptimizerName = 'adam' | 'sgd'

export interface OptimizerSettings {
  name: GdOptimizerName
  learningRate: number
  /** Adam's betas; torch's defaults [0.9, 0.999]. */
  betas?: readonly [number, number] | undefined
  /** Adam's epsilon; torch's default 1e-8. */
  epsilon?: number | undefined
  /** SGD momentum (torch's form: buf = m * buf + g, the first buf = g); 0 = plain SGD. */
  momentum?: number | undefined
}

/** Everything the next step reads; plain JSON. */
export interface GdOptimizerState {
  name: GdOptimizerName
  /** Steps taken so far (Adam's bias correction uses it). */
  iterations: number
  /** Adam: first moments; SGD with momentum: the momentum buffer; else empty. */
  firstMoment: number[]
  /** Adam: second moments; else empty. */
  secondMoment: number[]
}

export class VectorOptimizer {
  private state: GdOptimizerState

  constructor(
    private readonly settings: OptimizerSettings,
    parameterCount: number,
    restored?: GdOptimizerState
  ) {
    if (restored) {
      // Moments are created lazily on the first step: empty or one per parameter.
      const sized = (moments: readonly number[]): boolean => moments.length === 0 || moments.length === parameterCount
      const ok =
        restored.name === settings.name &&
        Number.isInteger(restored.iterations) &&
        restored.iterations >= 0 &&
        sized(restored.firstMoment) &&
        sized(restored.secondMoment) &&
        [...restored.firstMoment, ...restored.secondMoment].every(Number.isFinite)
      if (!ok)
        throw new Error(`optimizer state does not fit a ${settings.name} optimizer over ${parameterCount} parameters`)
      this.state = { ...restored, firstMoment: [...restored.firstMoment], secondMoment: [...restored.secondMoment] }
    } else {
      this.state = { name: settings.name, iterations: 0, firstMoment: [], secondMoment: [] }
    }
  }

  /** Updates `parameters` in place from their gradient. */
  step(parameters: number[], gradient: readonly number[]): void {
    if (gradient.length !== parameters.length)
      throw new RangeError(`gradient has ${gradient.length} values for ${parameters.length} parameters`)
    const s = this.state
    const lr = this.settings.learningRate
    s.iterations += 1
    if (this.settings.name === 'adam') {
      const [beta1, beta2] = this.settings.betas ?? [0.9, 0.999]
      const epsilon = this.settings.epsilon ?? 1e-8
      if (s.firstMoment.length === 0) {
        s.firstMoment = parameters.map(() => 0)
        s.secondMoment = parameters.map(() => 0)
      }
      const biasCorrection1 = 1 - beta1 ** s.iterations
      const biasCorrection2 = 1 - beta2 ** s.iterations
      const stepSize = lr / biasCorrection1
      const sqrtBiasCorrection2 = Math.sqrt(biasCorrection2)
      for (let i = 0; i < parameters.length; i += 1) {
        const g = gradient[i]!
        s.firstMoment[i] = beta1 * s.firstMoment[i]! + (1 - beta1) * g
        s.secondMoment[i] = beta2 * s.secondMoment[i]! + (1 - beta2) * g * g
        const denominator = Math.sqrt(s.secondMoment[i]!) / sqrtBiasCorrection2 + epsilon
        parameters[i] = parameters[i]! - (stepSize * s.firstMoment[i]!) / denominator
      }
      return
    }
    const momentum = this.settings.momentum ?? 0
    if (momentum > 0) {
      s.firstMoment =
        s.firstMoment.length === 0 ? [...gradient] : s.firstMoment.map((b, i) => momentum * b + gradient[i]!)
      for (let i = 0; i < parameters.length; i += 1) parameters[i] = parameters[i]! - lr * s.firstMoment[i]!
    } else {
      for (let i = 0; i < parameters.length; i += 1) parameters[i] = parameters[i]! - lr * gradient[i]!
    }
  }

  snapshot(): GdOptimizerState {
    return { ...this.state, firstMoment: [...this.state.firstMoment], secondMoment: [...this.state.secondMoment] }
  }
}
