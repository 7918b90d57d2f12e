// A DNPU node: which activation electrodes carry data, which carry the learnable control
// voltages, and how task inputs become electrode voltages. The GA and GD trainers use this one
// node and pass the control voltages in (a pool of genomes at once); several nodes sharing a
// processor, holding their own controls, are a DnpuLayer (dnpu-layer.ts).
import type { Tensor } from '@tensorflow/tfjs'
import { fromTensor } from './functions/columns.js'
import { applyLinearTransform, linearTransformConstants, type LinearTransform } from './input-transform.js'
import type { Processor } from './processor.js'

/** Rows x columns as plain arrays (a tfjs tensor is read once). */
function matrix(value: number[][] | Tensor, what: string): number[][] {
  const rows = fromTensor(value, what)
  if (!rows.every((row) => Array.isArray(row)))
    throw new RangeError(`${what} must be rows x columns (a 2-D array or tensor)`)
  return rows as number[][]
}

export interface DnpuOptions {
  activationElectrodeCount: number
  voltageRangesVolts: readonly (readonly [number, number])[]
  /** Activation electrode indices that receive the task inputs, in task-input column order. */
  dataElectrodes: number[]
  /** The task's input range, mapped linearly onto each data electrode's voltage range. */
  inputRange: [number, number]
  /**
   * Clip task inputs into inputRange before the transform (brainspy's strict mode), so a data
   * voltage can never leave its electrode's range. Default true.
   */
  clipInputs?: boolean | undefined
}

export class Dnpu {
  readonly activationElectrodeCount: number
  readonly voltageRangesVolts: readonly [number, number][]
  readonly dataElectrodes: readonly number[]
  readonly controlElectrodes: readonly number[]
  readonly controlRangesVolts: readonly [number, number][]
  readonly inputRange: readonly [number, number]
  readonly clipInputs: boolean
  private readonly transforms: LinearTransform[]

  constructor(options: DnpuOptions) {
    const { activationElectrodeCount, voltageRangesVolts, dataElectrodes, inputRange } = options
    if (!Number.isInteger(activationElectrodeCount) || activationElectrodeCount <= 0) {
      throw new RangeError(`activationElectrodeCount must be a positive integer, got ${activationElectrodeCount}`)
    }
    if (voltageRangesVolts.length !== activationElectrodeCount) {
      throw new RangeError(
        `voltageRangesVolts has ${voltageRangesVolts.length} entries, expected ${activationElectrodeCount}`
      )
    }
    voltageRangesVolts.forEach(([lo, hi], i) => {
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
        throw new RangeError(`voltage range ${i} is invalid: [${lo}, ${hi}]`)
    })
    if (dataElectrodes.length === 0) throw new RangeError('dataElectrodes must not be empty')
    dataElectrodes.forEach((electrode) => {
      if (!Number.isInteger(electrode) || electrode < 0 || electrode >= activationElectrodeCount) {
        throw new RangeError(
          `data electrode ${electrode} is not an activation electrode index (0..${activationElectrodeCount - 1})`
        )
      }
    })
    if (new Set(dataElectrodes).size !== dataElectrodes.length)
      throw new RangeError(`dataElectrodes has duplicates: [${dataElectrodes.join(', ')}]`)
    if (dataElectrodes.length === activationElectrodeCount)
      throw new RangeError('every electrode is a data electrode: no control electrodes left to train')
    const [xMin, xMax] = inputRange
    if (!(Number.isFinite(xMin) && Number.isFinite(xMax) && xMin < xMax))
      throw new RangeError(`inputRange must be [min, max] with min < max, got [${xMin}, ${xMax}]`)

    this.activationElectrodeCount = activationElectrodeCount
    this.voltageRangesVolts = voltageRangesVolts.map(([lo, hi]): [number, number] => [lo, hi])
    this.dataElectrodes = [...dataElectrodes]
    this.controlElectrodes = Array.from({ length: activationElectrodeCount }, (_, i) => i).filter(
      (i) => !dataElectrodes.includes(i)
    )
    this.controlRangesVolts = this.controlElectrodes.map((i) => this.voltageRangesVolts[i]!)
    this.inputRange = [xMin, xMax]
    this.clipInputs = options.clipInputs ?? true
    this.transforms = this.dataElectrodes.map((electrode) => {
      const [yMin, yMax] = this.voltageRangesVolts[electrode]!
      return linearTransformConstants(yMin, yMax, xMin, xMax)
    })
  }

  /** Convenience: a node on a processor's electrodes. */
  static forProcessor(
    processor: Processor,
    options: Pick<DnpuOptions, 'dataElectrodes' | 'inputRange' | 'clipInputs'>
  ): Dnpu {
    return new Dnpu({
      ...options,
      activationElectrodeCount: processor.activationElectrodeCount,
      voltageRangesVolts: processor.voltageRangesVolts
    })
  }

  /** Task inputs (points x data electrodes, arrays or a 2-D tensor) mapped to data-electrode voltages. */
  dataVoltages(taskInputs: number[][] | Tensor): number[][] {
    const [xMin, xMax] = this.inputRange
    return matrix(taskInputs, 'taskInputs').map((row, p) => {
      if (row.length !== this.dataElectrodes.length) {
        throw new RangeError(
          `task input ${p} has ${row.length} values, expected ${this.dataElectrodes.length} (one per data electrode)`
        )
      }
      return row.map((x, d) => {
        if (!Number.isFinite(x)) throw new RangeError(`task input ${p} value ${d} is not finite`)
        const clipped = this.clipInputs ? Math.min(xMax, Math.max(xMin, x)) : x
        return applyLinearTransform(clipped, this.transforms[d]!)
      })
    })
  }

  /**
   * Model input rows for a whole pool: genome-major (all points of genome 0, then genome 1, ...),
   * each row the activation voltages with data at data electrodes and the genome's controls at
   * control electrodes. Throws if a control voltage leaves its range (device safety).
   */
  assembleBatch(taskInputs: number[][] | Tensor, controlPoolInput: number[][] | Tensor): Float32Array {
    const data = this.dataVoltages(taskInputs)
    const controlPool = matrix(controlPoolInput, 'controlPool')
    const electrodes = this.activationElectrodeCount
    const points = data.length
    // One genome's rows with only the data filled in, copied per genome, then its controls set:
    // plain loops, as a GA generation assembles 100 genomes x 1000 points this way.
    const dataBlock = new Float32Array(points * electrodes)
    data.forEach((dataRow, p) =>
      this.dataElectrodes.forEach((electrode, d) => (dataBlock[p * electrodes + electrode] = dataRow[d]!))
    )
    const batch = new Float32Array(controlPool.length * dataBlock.length)
    controlPool.forEach((controls, g) => {
      this.checkControls(controls, g)
      const blockStart = g * dataBlock.length
      batch.set(dataBlock, blockStart)
      this.controlElectrodes.forEach((electrode, c) => {
        const volts = controls[c]!
        for (let at = blockStart + electrode; at < blockStart + dataBlock.length; at += electrodes) batch[at] = volts
      })
    })
    return batch
  }

  /** outputs[genome][point] in nA, from ONE batched forward call on the processor. */
  async evaluatePool(
    processor: Processor,
    taskInputsInput: number[][] | Tensor,
    controlPoolInput: number[][] | Tensor
  ): Promise<number[][]> {
    if (processor.activationElectrodeCount !== this.activationElectrodeCount) {
      throw new RangeError(
        `processor has ${processor.activationElectrodeCount} activation electrodes, DNPU expects ${this.activationElectrodeCount}`
      )
    }
    const taskInputs = matrix(taskInputsInput, 'taskInputs')
    const controlPool = matrix(controlPoolInput, 'controlPool')
    const points = taskInputs.length
    const rowCount = controlPool.length * points
    const batch = this.assembleBatch(taskInputs, controlPool)
    const outputs = await processor.forwardNanoamps(batch, rowCount)
    if (outputs.length !== rowCount) {
      throw new RangeError(
        `processor returned ${outputs.length} values for ${rowCount} rows; one output electrode is expected`
      )
    }
    return controlPool.map((_, g) => Array.from(outputs.subarray(g * points, (g + 1) * points)))
  }

  /**
   * brains-py's DNPU.regularizer() for these control voltages: sum of relu(lo - v) + relu(v - hi),
   * how far (in volts) they are outside their ranges.
   */
  regularizer(controlVoltages: readonly number[]): number {
    this.checkControlCount(controlVoltages)
    return controlVoltages.reduce((sum, v, c) => {
      const [lo, hi] = this.controlRangesVolts[c]!
      return sum + Math.max(0, lo - v) + Math.max(0, v - hi)
    }, 0)
  }

  /** brains-py's DNPU.constraint_weights(): the control voltages clipped into their ranges (a new array). */
  constraintWeights(controlVoltages: readonly number[]): number[] {
    this.checkControlCount(controlVoltages)
    return controlVoltages.map((v, c) => {
      const [lo, hi] = this.controlRangesVolts[c]!
      return Math.min(hi, Math.max(lo, v))
    })
  }

  private checkControlCount(controls: readonly number[]): void {
    if (controls.length !== this.controlElectrodes.length) {
      throw new RangeError(
        `${controls.length} control voltages given, expected ${this.controlElectrodes.length} (one per control electrode)`
      )
    }
  }

  private checkControls(controls: number[], genome: number): void {
    if (controls.length !== this.controlElectrodes.length) {
      throw new RangeError(
        `genome ${genome} has ${controls.length} control voltages, expected ${this.controlElectrodes.length}`
      )
    }
    controls.forEach((v, c) => {
      const [lo, hi] = this.controlRangesVolts[c]!
      if (!(v >= lo && v <= hi)) {
        throw new RangeError(
          `genome ${genome}: control voltage ${v} V on electrode ${this.controlElectrodes[c]} is outside [${lo}, ${hi}] V`
        )
      }
    })
  }
}
