/**
 * Consistency checks of a surrogate model against the device (models:check, models:checks): the
 * model's reference batch (points measured once, played again by every check) and each check.
 */

export type ReferenceBatchSource = 'training-test-set' | 'first-check'

/** A model's reference batch without its arrays. */
export interface ReferenceBatchSummary {
  modelId: string
  createdAt: string
  /** Its training test set (a model trained in the app), or the batch its first check drew. */
  source: ReferenceBatchSource
  pointCount: number
  electrodeCount: number
  profileId: number | null
  calibrationId: number | null
}

/** One check, as the history keeps it. */
export interface ModelCheck {
  id: number
  modelId: string
  checkedAt: string
  profileId: number
  calibrationId: number
  pointCount: number
  /** Now measured vs the reference batch as measured when stored: how far the device moved. */
  driftRmseNanoamps: number
  /** The model's prediction vs now measured. */
  modelRmseNanoamps: number
  /** The model's prediction vs the reference's measured outputs: its error when the batch was stored. */
  referenceModelRmseNanoamps: number
  /** Pearson correlation of prediction and now measured; null when undefined (constant outputs). */
  correlation: number | null
  /** max - min of now measured. */
  outputRangeNanoamps: number
  note: string
}

export interface ModelCheckOutcome {
  modelId: string
  modelName: string
  check: ModelCheck
  reference: ReferenceBatchSummary
  /** This check measured and stored the reference batch: its drift is 0 by definition. */
  firstCheck: boolean
  /** modelRmseNanoamps / outputRangeNanoamps (null for a zero range). */
  relativeModelRmse: number | null
  /** driftRmseNanoamps / outputRangeNanoamps (null for a zero range). */
  relativeDriftRmse: number | null
}

export interface ModelCheckHistory {
  modelId: string
  reference: ReferenceBatchSummary | null
  /** Newest first. */
  checks: ModelCheck[]
}
