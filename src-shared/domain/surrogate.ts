/**
 * A surrogate trained in the app from a sampled dataset (issue 13): the activation functions a
 * surrogate may use, and what a surrogate training run stores as its result.
 */

/** The activation functions of a surrogate's hidden layers (brainspy-smg's names). */
export const ACTIVATION_NAMES = ['relu', 'elu', 'tanh', 'hard-tanh', 'sigmoid'] as const
export type ActivationName = (typeof ACTIVATION_NAMES)[number]

/** How well the trained surrogate predicts held-out measurements of the device. */
export interface SurrogateTestMetrics {
  /** Root of the mean squared error of the predictions, nA. */
  rmseNanoamps: number
  /** rmseNanoamps over the measured outputs' range (max - min); null for a flat output. */
  rmseRelativeToRange: number | null
  /** Pearson correlation of predicted and measured outputs; null when either is constant. */
  correlation: number | null
  /** The measured outputs' [min, max], nA. */
  outputRangeNanoamps: [number, number]
  sampleCount: number
}

/**
 * One electrode's IV curve of the test set: the samples binned by that electrode's voltage (the
 * others vary as they were sampled), the mean measured and the mean predicted output per bin.
 * Empty bins are null.
 */
export interface SurrogateIvCurve {
  electrode: number
  binCentersVolts: number[]
  measuredNanoamps: (number | null)[]
  predictedNanoamps: (number | null)[]
}

/** A surrogate training run's result, stored with the run when it ends. */
export interface SurrogateRunResult {
  /** The trained model in the model store; null while the run has not stored one. */
  modelId: string | null
  datasetId: number
  /** The epoch whose weights were kept (lowest validation loss). */
  bestEpoch: number
  bestValidationLoss: number
  /** Why training ended: all epochs run, the early stop, or the user's Stop. */
  endedBy: 'max-epochs' | 'early-stop' | 'stopped'
  sampleCounts: { train: number; validation: number; test: number }
  test: SurrogateTestMetrics
  /** Predicted vs measured outputs of (at most MAX_SCATTER_POINTS) test samples, nA. */
  scatter: { measuredNanoamps: number[]; predictedNanoamps: number[] }
  ivCurves: SurrogateIvCurve[]
}

/** Test samples kept for the predicted-vs-measured chart. */
export const MAX_SCATTER_POINTS = 2000
/** Bins of each electrode's IV curve. */
export const IV_CURVE_BINS = 40
