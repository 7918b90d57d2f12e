// The measured samples a surrogate is trained on: checked, split into training / validation /
// test sets by a seeded permutation, and scaled as the reference does (outputs in nA divided by
// the amplification, so the network learns values near 1; predictions are multiplied back).
import { Rng } from '../rng.js'

/** Samples as measured: inputs in V (row-major, count x inputCount), outputs in nA (count x outputCount). */
export interface SampleSet {
  inputsVolts: Float32Array
  outputsNanoamps: Float32Array
  count: number
  inputCount: number
  outputCount: number
}

/** A subset in training units: the same inputs, outputs divided by the amplification. */
export interface ScaledSet {
  inputs: Float32Array
  targets: Float32Array
  count: number
}

export interface DatasetSplit {
  train: ScaledSet
  validation: ScaledSet
  test: ScaledSet
}

export interface SplitFractions {
  train: number
  validation: number
  test: number
}

export const DEFAULT_SPLIT: Readonly<SplitFractions> = { train: 0.8, validation: 0.1, test: 0.1 }

/** Bounds the sizes before anything is allocated from them (a dataset file is untrusted). */
export const MAX_SAMPLES = 50_000_000
export const MAX_ELECTRODES = 64

export function checkSampleSet(samples: SampleSet): void {
  const { inputsVolts, outputsNanoamps, count, inputCount, outputCount } = samples
  if (!Number.isInteger(count) || count < 3 || count > MAX_SAMPLES)
    throw new RangeError(`sample count must be a whole number in [3, ${MAX_SAMPLES}], got ${count}`)
  if (!Number.isInteger(inputCount) || inputCount < 1 || inputCount > MAX_ELECTRODES)
    throw new RangeError(`inputCount must be a whole number in [1, ${MAX_ELECTRODES}], got ${inputCount}`)
  if (!Number.isInteger(outputCount) || outputCount < 1 || outputCount > MAX_ELECTRODES)
    throw new RangeError(`outputCount must be a whole number in [1, ${MAX_ELECTRODES}], got ${outputCount}`)
  if (inputsVolts.length !== count * inputCount)
    throw new RangeError(
      `inputsVolts has ${inputsVolts.length} values, expected ${count} samples x ${inputCount} electrodes`
    )
  if (outputsNanoamps.length !== count * outputCount)
    throw new RangeError(
      `outputsNanoamps has ${outputsNanoamps.length} values, expected ${count} samples x ${outputCount} outputs`
    )
  const bad = (values: Float32Array): number => values.findIndex((v) => !Number.isFinite(v))
  const badInput = bad(inputsVolts)
  if (badInput >= 0)
    throw new RangeError(
      `sample ${Math.floor(badInput / inputCount)} has a non-finite input voltage (${inputsVolts[badInput]})`
    )
  const badOutput = bad(outputsNanoamps)
  if (badOutput >= 0)
    throw new RangeError(
      `sample ${Math.floor(badOutput / outputCount)} has a non-finite output (${outputsNanoamps[badOutput]} nA)`
    )
}

function checkFractions(fractions: SplitFractions): void {
  const values = [fractions.train, fractions.validation, fractions.test]
  if (!values.every((f) => Number.isFinite(f) && f > 0) || Math.abs(values[0]! + values[1]! + values[2]! - 1) > 1e-9)
    throw new RangeError(
      `split fractions must be > 0 and add up to 1, got train ${fractions.train}, validation ${fractions.validation}, test ${fractions.test}`
    )
}

function checkAmplification(amplification: readonly number[], outputCount: number): void {
  if (amplification.length !== outputCount || !amplification.every((a) => Number.isFinite(a) && a !== 0))
    throw new RangeError(
      `amplification must be ${outputCount} finite non-zero number(s) (nA per output unit), got [${amplification.join(', ')}]`
    )
}

function gather(samples: SampleSet, indices: readonly number[], amplification: readonly number[]): ScaledSet {
  const { inputCount, outputCount } = samples
  const inputs = new Float32Array(indices.length * inputCount)
  const targets = new Float32Array(indices.length * outputCount)
  indices.forEach((sample, row) => {
    inputs.set(samples.inputsVolts.subarray(sample * inputCount, (sample + 1) * inputCount), row * inputCount)
    for (let o = 0; o < outputCount; o += 1)
      targets[row * outputCount + o] = samples.outputsNanoamps[sample * outputCount + o]! / amplification[o]!
  })
  return { inputs, targets, count: indices.length }
}

/**
 * Training / validation / test sets: the samples in the order of a permutation drawn from
 * Rng(seed); the first floor(count x train) train, the next floor(count x validation) validate,
 * the rest test. Each set gets at least one sample.
 */
export function splitDataset(
  samples: SampleSet,
  amplification: readonly number[],
  seed: number,
  fractions: SplitFractions = DEFAULT_SPLIT
): DatasetSplit {
  checkSampleSet(samples)
  checkFractions(fractions)
  checkAmplification(amplification, samples.outputCount)
  const order = new Rng(seed).permutation(samples.count)
  const trainCount = Math.max(1, Math.floor(samples.count * fractions.train))
  const validationCount = Math.max(1, Math.floor(samples.count * fractions.validation))
  if (trainCount + validationCount >= samples.count)
    throw new RangeError(`${samples.count} samples leave none for the test set with these fractions`)
  return {
    train: gather(samples, order.slice(0, trainCount), amplification),
    validation: gather(samples, order.slice(trainCount, trainCount + validationCount), amplification),
    test: gather(samples, order.slice(trainCount + validationCount), amplification)
  }
}

/** Network outputs back to nA: each output times its amplification (a new array). */
export function toNanoamps(outputs: Float32Array, amplification: readonly number[]): Float32Array {
  const n = amplification.length
  return outputs.map((value, i) => value * amplification[i % n]!)
}

/**
 * Mini-batches for one epoch: the training rows in the order of a permutation drawn from `rng`,
 * cut into batches of batchSize (the last one smaller if the count does not divide), as torch's
 * DataLoader(shuffle=True, drop_last=False). Returns the row indices per batch.
 */
export function epochBatches(count: number, batchSize: number, rng: Rng): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a whole number >= 1, got ${batchSize}`)
  const order = Int32Array.from(rng.permutation(count))
  const batches: Int32Array[] = []
  for (let start = 0; start < count; start += batchSize)
    batches.push(order.subarray(start, Math.min(count, start + batchSize)))
  return batches
}

/** The rows `indices` of a set, copied into batch buffers (for one training step). */
export function gatherBatch(
  set: ScaledSet,
  indices: Int32Array,
  inputCount: number,
  outputCount: number
): { inputs: Float32Array; targets: Float32Array } {
  const inputs = new Float32Array(indices.length * inputCount)
  const targets = new Float32Array(indices.length * outputCount)
  indices.forEach((row, i) => {
    inputs.set(set.inputs.subarray(row * inputCount, (row + 1) * inputCount), i * inputCount)
    targets.set(set.targets.subarray(row * outputCount, (row + 1) * outputCount), i * outputCount)
  })
  return { inputs, targets }
}
