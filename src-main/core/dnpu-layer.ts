// Several DNPU nodes on one processor (brains-py's DNPU with data_input_indices of shape
// nodes x data inputs): time-multiplexing, each node is the same device with its own control
// voltages and its own data electrodes. The layer holds its control voltages (brains-py's
// `bias` parameter); all nodes' rows go through the processor in ONE batched forward call.
// A DnpuModel chains layers and ends in a linear readout; it is forward-only (GdTrainer trains a
// single node; GD through multi-node models is not implemented).
//
// Row layout of a forward: point-major, row p * nodeCount + n = point p on node n, so the
// processor's rowCount x 1 output is already the rows x nodes result.
import type { Tensor } from '@tensorflow/tfjs'
import { fromTensor, toRowMatrix, type Signal } from './functions/columns.js'
import { applyLinearTransform, linearTransformConstants, type LinearTransform } from './input-transform.js'
import type { Processor } from './processor.js'
import { randomSeed, Rng } from './rng.js'

type Range = readonly [number, number]

/**
 * The input transform's raw range (brains-py's add_input_transform input_range): one
 * [min, max] for every data input, or one per node per data input, shaped like dataInputIndices.
 */
export type DnpuInputRange = Range | readonly (readonly Range[])[]

export interface DnpuLayerOptions {
  /**
   * brains-py's data_input_indices: per node, the activation electrodes that receive data, in
   * input-column order. `[[1, 2]]` is one node; `[[1, 2], [1, 3], [3, 4]]` three nodes. Every
   * other electrode of a node is one of its control electrodes (ascending order).
   */
  dataInputIndices: readonly (readonly number[])[]
  /**
   * Map inputs linearly from this range onto each data electrode's voltage range (brains-py's
   * add_input_transform). Absent: no transform, the inputs are voltages and are used as given.
   */
  inputRange?: DnpuInputRange | undefined
  /**
   * brains-py's `strict`: clip inputs into inputRange before the transform, so a data voltage
   * never leaves its electrode's range. Default true; only meaningful with inputRange.
   */
  clipInputs?: boolean | undefined
  /** Initial control voltages, nodes x controls. Default: initControls(seed). */
  controlVoltages?: readonly (readonly number[])[] | Tensor | undefined
  /** Seed of the initial uniform draw when controlVoltages is absent; randomSeed() when absent too. */
  seed?: number | undefined
}

/** A torch.nn.Linear: out = weight . in + bias, weight outputs x inputs (PyTorch's layout). */
export interface LinearReadout {
  weight: number[][]
  bias: number[]
}

function checkRange([lo, hi]: Range, what: string, strictlyIncreasing: boolean): void {
  const ordered = strictlyIncreasing ? lo < hi : lo <= hi
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && ordered)) {
    throw new RangeError(
      `${what} must be [min, max] with finite min ${strictlyIncreasing ? '<' : '<='} max, got [${lo}, ${hi}]`
    )
  }
}

function isRange(value: unknown): value is Range {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')
}

function rngOf(seed: number | Rng | undefined): Rng {
  return seed instanceof Rng ? seed : new Rng(seed ?? randomSeed())
}

export class DnpuLayer {
  readonly processor: Processor
  readonly nodeCount: number
  /** Per node: its data electrodes, in input-column order. */
  readonly dataInputIndices: readonly (readonly number[])[]
  /** Per node: its control electrodes, ascending. */
  readonly controlIndices: readonly (readonly number[])[]
  /** Per node, per data input: the electrode's voltage range. */
  readonly dataInputRangesVolts: readonly (readonly Range[])[]
  /** Per node, per control: the electrode's voltage range. */
  readonly controlRangesVolts: readonly (readonly Range[])[]
  /** Per node, per data input: the raw input range of the transform; null without transform. */
  readonly inputRange: readonly (readonly Range[])[] | null
  readonly clipInputs: boolean
  /** Number of input columns forward() takes: the nodes' data inputs, node after node. */
  readonly inputCount: number
  private readonly inputOffsets: readonly number[]
  private readonly transforms: readonly (readonly LinearTransform[])[] | null
  private controls: number[][]

  constructor(processor: Processor, options: DnpuLayerOptions) {
    const electrodeCount = processor.activationElectrodeCount
    const ranges = processor.voltageRangesVolts
    if (ranges.length !== electrodeCount) {
      throw new RangeError(`processor has ${electrodeCount} activation electrodes but ${ranges.length} voltage ranges`)
    }
    ranges.forEach((range, i) => checkRange(range, `voltage range of electrode ${i}`, false))
    const { dataInputIndices } = options
    if (!Array.isArray(dataInputIndices) || dataInputIndices.length === 0) {
      throw new RangeError('dataInputIndices must list at least one node, e.g. [[1, 2]]')
    }
    dataInputIndices.forEach((indices, n) => {
      if (!Array.isArray(indices)) {
        throw new RangeError(
          `dataInputIndices node ${n} is not a list of electrodes (give one list per node: [[1, 2]], not [1, 2])`
        )
      }
      if (indices.length === 0) throw new RangeError(`dataInputIndices node ${n} has no data electrode`)
      indices.forEach((electrode) => {
        if (!Number.isInteger(electrode) || electrode < 0 || electrode >= electrodeCount) {
          throw new RangeError(
            `dataInputIndices node ${n}: ${electrode} is not an activation electrode index (0..${electrodeCount - 1})`
          )
        }
      })
      if (new Set(indices).size !== indices.length)
        throw new RangeError(`dataInputIndices node ${n} has duplicates: [${indices.join(', ')}]`)
      if (indices.length === electrodeCount)
        throw new RangeError(`dataInputIndices node ${n} uses every electrode for data: no control electrode left`)
    })

    this.processor = processor
    this.nodeCount = dataInputIndices.length
    this.dataInputIndices = dataInputIndices.map((indices) => [...indices])
    this.controlIndices = this.dataInputIndices.map((indices) =>
      Array.from({ length: electrodeCount }, (_, i) => i).filter((i) => !indices.includes(i))
    )
    const rangeOf = (electrode: number): Range => [ranges[electrode]![0], ranges[electrode]![1]]
    this.dataInputRangesVolts = this.dataInputIndices.map((indices) => indices.map(rangeOf))
    this.controlRangesVolts = this.controlIndices.map((indices) => indices.map(rangeOf))
    const offsets: number[] = []
    let count = 0
    for (const indices of this.dataInputIndices) {
      offsets.push(count)
      count += indices.length
    }
    this.inputOffsets = offsets
    this.inputCount = count

    this.inputRange = options.inputRange === undefined ? null : this.expandInputRange(options.inputRange)
    if (options.clipInputs !== undefined && typeof options.clipInputs !== 'boolean')
      throw new TypeError('clipInputs must be a boolean')
    this.clipInputs = this.inputRange !== null && (options.clipInputs ?? true)
    this.transforms =
      this.inputRange?.map((nodeRanges, n) =>
        nodeRanges.map(([xMin, xMax], d) => {
          const [yMin, yMax] = this.dataInputRangesVolts[n]![d]!
          return linearTransformConstants(yMin, yMax, xMin, xMax)
        })
      ) ?? null

    this.controls = []
    if (options.controlVoltages === undefined) this.initControls(options.seed)
    else this.setControlVoltages(options.controlVoltages)
  }

  /** Number of control electrodes of each node. */
  get controlCounts(): number[] {
    return this.controlIndices.map((indices) => indices.length)
  }

  /** The control voltages, nodes x controls (a copy). */
  get controlVoltages(): number[][] {
    return this.controls.map((node) => [...node])
  }

  /**
   * Replace the control voltages (nodes x controls; a tensor is read once). Values outside
   * their ranges are accepted here, so regularizer() can measure them, but forward() refuses
   * them: call constraintWeights() first.
   */
  setControlVoltages(values: readonly (readonly number[])[] | Tensor): void {
    const rows = fromTensor(values, 'controlVoltages')
    if (rows.length !== this.nodeCount || !rows.every((row) => Array.isArray(row))) {
      throw new RangeError(`controlVoltages must be ${this.nodeCount} rows (one per node) of control voltages`)
    }
    const checked = (rows as readonly (readonly number[])[]).map((row, n) => {
      const expected = this.controlIndices[n]!.length
      if (row.length !== expected)
        throw new RangeError(
          `controlVoltages node ${n} has ${row.length} values, expected ${expected} (one per control electrode)`
        )
      row.forEach((v, c) => {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new RangeError(`controlVoltages node ${n} control ${c} is not a finite number`)
      })
      return [...row]
    })
    this.controls = checked
  }

  /**
   * Draw every control uniformly in its range (brains-py's sample_controls), node by node,
   * control by control, one Rng.uniform each. With one node this is the draw GdTrainer starts
   * from for the same seed. Returns the new controls.
   */
  initControls(seed?: number | Rng): number[][] {
    const rng = rngOf(seed)
    this.controls = this.controlRangesVolts.map((nodeRanges) => nodeRanges.map(([lo, hi]) => rng.uniform(lo, hi)))
    return this.controlVoltages
  }

  /**
   * brains-py's regularizer(): sum over every node's controls of relu(lo - v) + relu(v - hi),
   * i.e. how far (in volts) the controls are outside their ranges.
   */
  regularizer(): number {
    let penalty = 0
    this.controls.forEach((node, n) =>
      node.forEach((v, c) => {
        const [lo, hi] = this.controlRangesVolts[n]![c]!
        penalty += Math.max(0, lo - v) + Math.max(0, v - hi)
      })
    )
    return penalty
  }

  /** brains-py's constraint_weights(): clip every control into its range. Returns the controls. */
  constraintWeights(): number[][] {
    this.controls = this.controls.map((node, n) =>
      node.map((v, c) => {
        const [lo, hi] = this.controlRangesVolts[n]![c]!
        return Math.min(hi, Math.max(lo, v))
      })
    )
    return this.controlVoltages
  }

  /**
   * Inputs (rows x inputCount: node 0's data inputs, then node 1's, ...) as data-electrode
   * voltages: clipped into inputRange (clipInputs) and transformed, or as given without a
   * transform. Same order and shape as the inputs.
   */
  dataVoltages(inputs: Signal): number[][] {
    const { rows } = toRowMatrix(inputs, 'inputs')
    return rows.map((row, p) => {
      if (row.length !== this.inputCount) {
        throw new RangeError(
          `inputs row ${p} has ${row.length} values, expected ${this.inputCount} (${this.describeInputs()})`
        )
      }
      return row.map((x, column) => {
        if (!Number.isFinite(x)) throw new RangeError(`inputs row ${p} column ${column} is not finite`)
        if (this.transforms === null) return x
        const n = this.nodeOfColumn(column)
        const d = column - this.inputOffsets[n]!
        const [xMin, xMax] = this.inputRange![n]![d]!
        // Same clamp-then-transform expression as Dnpu.dataVoltages, so one node gives the same bits.
        const clipped = this.clipInputs ? Math.min(xMax, Math.max(xMin, x)) : x
        return applyLinearTransform(clipped, this.transforms[n]![d]!)
      })
    })
  }

  /**
   * Processor input rows for all nodes: point-major (row p * nodeCount + n), each row the
   * node's data voltages at its data electrodes and its controls at its control electrodes.
   * Throws if a control voltage is outside its range (device safety, as Dnpu.assembleBatch).
   */
  assembleRows(inputs: Signal): Float32Array {
    this.checkControlsInRange()
    const data = this.dataVoltages(inputs)
    const electrodes = this.processor.activationElectrodeCount
    const templates = this.controls.map((node, n) => {
      const template = new Float64Array(electrodes)
      this.controlIndices[n]!.forEach((electrode, c) => (template[electrode] = node[c]!))
      return template
    })
    const batch = new Float32Array(data.length * this.nodeCount * electrodes)
    data.forEach((row, p) => {
      for (let n = 0; n < this.nodeCount; n += 1) {
        const start = (p * this.nodeCount + n) * electrodes
        batch.set(templates[n]!, start)
        const offset = this.inputOffsets[n]!
        this.dataInputIndices[n]!.forEach((electrode, d) => (batch[start + electrode] = row[offset + d]!))
      }
    })
    return batch
  }

  /** Output currents (nA), rows x nodes, from ONE batched forward call on the processor. */
  async forward(inputs: Signal): Promise<number[][]> {
    const batch = this.assembleRows(inputs)
    const electrodes = this.processor.activationElectrodeCount
    const rowCount = batch.length / electrodes
    const points = rowCount / this.nodeCount
    const outputs = await this.processor.forwardNanoamps(batch, rowCount)
    if (outputs.length !== rowCount) {
      throw new RangeError(
        `processor returned ${outputs.length} values for ${rowCount} rows; one output electrode is expected`
      )
    }
    return Array.from({ length: points }, (_, p) =>
      Array.from(outputs.subarray(p * this.nodeCount, (p + 1) * this.nodeCount))
    )
  }

  private expandInputRange(range: DnpuInputRange): Range[][] {
    if (isRange(range)) {
      checkRange(range, 'inputRange', true)
      return this.dataInputIndices.map((indices) => indices.map((): Range => [range[0], range[1]]))
    }
    const perNode = range as readonly (readonly Range[])[]
    const shapeError = (): RangeError =>
      new RangeError(
        `inputRange must be [min, max] or one [min, max] per node per data input (shaped like dataInputIndices: ${this.describeInputs()})`
      )
    if (!Array.isArray(perNode) || perNode.length !== this.nodeCount) throw shapeError()
    return perNode.map((nodeRanges, n) => {
      if (!Array.isArray(nodeRanges) || nodeRanges.length !== this.dataInputIndices[n]!.length) throw shapeError()
      return nodeRanges.map((r, d): Range => {
        if (!isRange(r)) throw shapeError()
        checkRange(r, `inputRange node ${n} input ${d}`, true)
        return [r[0], r[1]]
      })
    })
  }

  private nodeOfColumn(column: number): number {
    let n = this.nodeCount - 1
    while (this.inputOffsets[n]! > column) n -= 1
    return n
  }

  private describeInputs(): string {
    return this.dataInputIndices.map((indices, n) => `node ${n}: ${indices.length}`).join(', ')
  }

  private checkControlsInRange(): void {
    this.controls.forEach((node, n) =>
      node.forEach((v, c) => {
        const [lo, hi] = this.controlRangesVolts[n]![c]!
        if (!(v >= lo && v <= hi)) {
          throw new RangeError(
            `node ${n}: control voltage ${v} V on electrode ${this.controlIndices[n]![c]} is outside [${lo}, ${hi}] V (constraintWeights() clips it)`
          )
        }
      })
    )
  }
}

/**
 * torch.nn.Linear(inputCount, outputCount)'s default initialisation: weight and bias uniform in
 * [-1/sqrt(inputCount), 1/sqrt(inputCount)], drawn weight row by row, then bias.
 */
export function initLinearReadout(inputCount: number, outputCount: number, seed?: number | Rng): LinearReadout {
  if (!Number.isInteger(inputCount) || inputCount < 1)
    throw new RangeError(`readout inputCount must be a positive integer, got ${inputCount}`)
  if (!Number.isInteger(outputCount) || outputCount < 1)
    throw new RangeError(`readout outputCount must be a positive integer, got ${outputCount}`)
  const rng = rngOf(seed)
  const bound = 1 / Math.sqrt(inputCount)
  const weight = Array.from({ length: outputCount }, () =>
    Array.from({ length: inputCount }, () => rng.uniform(-bound, bound))
  )
  const bias = Array.from({ length: outputCount }, () => rng.uniform(-bound, bound))
  return { weight, bias }
}

/**
 * How layer k + 1 reads layer k's outputs: 'direct' when it takes exactly one input per node of
 * layer k (input column i = node i's output); 'broadcast' when each of its nodes takes all of
 * layer k's outputs (every node sees the whole previous layer).
 */
export type DnpuConnection = 'direct' | 'broadcast'

/**
 * DNPU layers followed by a linear readout, forward only. Layer k + 1 takes layer k's output
 * currents (nA) as its inputs (see DnpuConnection), so its inputRange should be the current
 * range to map onto its voltages (e.g. the processor's clipping value). brains-py users build
 * such models as custom torch modules; GD training of them is not implemented here (GdTrainer
 * trains one node, with an optional 1 x 1 readout).
 */
export class DnpuModel {
  readonly layers: readonly DnpuLayer[]
  /** connections[k]: how layer k + 1 reads layer k. */
  readonly connections: readonly DnpuConnection[]
  private readonly readoutWeight: number[][]
  private readonly readoutBias: number[]

  constructor(layers: readonly DnpuLayer[], readout: LinearReadout) {
    if (layers.length === 0) throw new RangeError('a DnpuModel needs at least one DnpuLayer')
    const connections: DnpuConnection[] = []
    for (let k = 1; k < layers.length; k += 1) {
      const previous = layers[k - 1]!.nodeCount
      const layer = layers[k]!
      if (layer.inputCount === previous) connections.push('direct')
      else if (layer.dataInputIndices.every((indices) => indices.length === previous)) connections.push('broadcast')
      else {
        throw new RangeError(
          `layer ${k} takes ${layer.inputCount} inputs but layer ${k - 1} has ${previous} nodes: give it ${previous} inputs in all, or ${previous} per node`
        )
      }
    }
    this.connections = connections
    const { weight, bias } = readout
    const width = layers[layers.length - 1]!.nodeCount
    if (!Array.isArray(weight) || weight.length === 0)
      throw new RangeError('readout weight must have at least one row (outputs x inputs)')
    weight.forEach((row, o) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new RangeError(
          `readout weight row ${o} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${width} (one per node of the last layer)`
        )
      }
      if (!row.every(Number.isFinite)) throw new RangeError(`readout weight row ${o} has a non-finite value`)
    })
    if (!Array.isArray(bias) || bias.length !== weight.length)
      throw new RangeError(`readout bias has ${bias?.length} values, expected ${weight.length} (one per output)`)
    if (!bias.every(Number.isFinite)) throw new RangeError('readout bias has a non-finite value')
    this.layers = [...layers]
    this.readoutWeight = weight.map((row) => [...row])
    this.readoutBias = [...bias]
  }

  get inputCount(): number {
    return this.layers[0]!.inputCount
  }

  get outputCount(): number {
    return this.readoutBias.length
  }

  get readout(): LinearReadout {
    return { weight: this.readoutWeight.map((row) => [...row]), bias: [...this.readoutBias] }
  }

  /** Rows x outputs: every layer in turn (one processor call each), then the readout. */
  async forward(inputs: Signal): Promise<number[][]> {
    let x: Signal = inputs
    for (const [k, layer] of this.layers.entries()) {
      if (k > 0 && this.connections[k - 1] === 'broadcast') {
        x = (x as number[][]).map((row) => Array.from({ length: layer.nodeCount }, () => row).flat())
      }
      x = await layer.forward(x)
    }
    return (x as number[][]).map((row) =>
      this.readoutWeight.map((weights, o) => {
        let sum = this.readoutBias[o]!
        for (let i = 0; i < weights.length; i += 1) sum += weights[i]! * row[i]!
        return sum
      })
    )
  }

  /** Sum of the layers' regularizer(). */
  regularizer(): number {
    return this.layers.reduce((sum, layer) => sum + layer.regularizer(), 0)
  }

  /** constraintWeights() on every layer. */
  constraintWeights(): void {
    this.layers.forEach((layer) => layer.constraintWeights())
  }

  /** Draw every layer's controls (layer after layer) from one generator. */
  initControls(seed?: number | Rng): void {
    const rng = rngOf(seed)
    this.layers.forEach((layer) => layer.initControls(rng))
  }
}
