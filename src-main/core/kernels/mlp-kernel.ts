// The frozen surrogate MLP on a hand-written WebAssembly SIMD kernel (mlp-kernel.wat): forward,
// and forward + backward to the inputs. Faster than tfjs-wasm on the surrogates because it skips
// the units a ReLU switched off (see the .wat's header); float32 like tfjs, so results agree with
// the tfjs path within float32 rounding, not bit for bit.
//
// One MlpKernel owns one wasm instance (its own memory): weights laid out once, then rows are
// evaluated in blocks of BLOCK_ROWS through fixed input/output areas, so a forward's memory does
// not grow with the call size. Only the rows a forwardKeeping pass keeps for its gradient take
// memory in proportion (until release(); released slots are reused). Synchronous once created;
// not shared between threads.
import type { ActivationName, SurrogateLayer } from '../surrogate-definition.js'
import { MLP_KERNEL_FMA_WASM_BASE64, MLP_KERNEL_WASM_BASE64 } from './mlp-kernel-wasm.js'

/** The .wat's activation codes. */
export const ACTIVATION_CODES: Readonly<Record<ActivationName, number>> = {
  relu: 0,
  elu: 1,
  tanh: 2,
  'hard-tanh': 3,
  sigmoid: 4
}

/** Rows per kernel call: large enough that the call cost vanishes, small enough to stay in cache. */
const BLOCK_ROWS = 1024
/**
 * Rows the kernel takes through a layer together (see the .wat's header), so each weight chunk
 * read into L1 serves this many rows. Measured on the demo surrogate (forward of 100000 rows, one
 * thread, 2.6 GHz Zen 4): one row at a time 5.1e5 rows/s; blocks of 16 to 64 rows 6.4-6.6e5
 * (with the vector compaction); fewer than 16 lose some of it.
 */
const KERNEL_BLOCK_ROWS = 32
const PAGE_BYTES = 65536
/** $compactVec writes up to 4 list entries (8 bytes each) past a list's count. */
const LIST_SPARE_BYTES = 32

/**
 * $compactVec's table: for each 4-bit mask of non-zero lanes, the i8x16.swizzle pattern that moves
 * those i32 lanes to the front in order (the other bytes are 0x80, which swizzle turns into 0).
 */
const COMPACTION_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(16 * 16).fill(0x80)
  for (let mask = 0; mask < 16; mask += 1) {
    let to = 0
    for (let lane = 0; lane < 4; lane += 1) {
      if ((mask & (1 << lane)) === 0) continue
      for (let byte = 0; byte < 4; byte += 1) table[mask * 16 + to * 4 + byte] = lane * 4 + byte
      to += 1
    }
  }
  return table
})()
const CONTEXT_BYTES = 64
const LAYER_ENTRY_BYTES = 32

interface KernelExports {
  memory: WebAssembly.Memory
  forward(ctx: number, inputs: number, rowCount: number, outputs: number, clip: number, kept: number): void
  backward(ctx: number, kept: number, outputGradient: number, rowCount: number, gradients: number): void
}

/**
 * Which build of the kernel this thread runs. The default is the fixed-width SIMD one, whose ReLU
 * forward gives the same bits as tfjs-wasm's (XNNPACK also adds bias + x0 w0 + x1 w1 + ... in
 * order with separate f32 multiplies and adds; skipped zero terms change nothing). The fused
 * multiply-add one (DNPU_MLP_KERNEL=fma) is 15-20% faster but rounds once per multiply-add, so
 * its results differ from tfjs's in the last bits; it needs relaxed SIMD (V8 11.4+: Node 22,
 * Electron; Node 20 only with --experimental-wasm-relaxed-simd), else the plain build is used.
 */
export type MlpKernelVariant = 'wasm-simd' | 'wasm-relaxed-simd-fma'

/** DNPU_MLP_KERNEL: 'off' (the surrogates use tfjs), 'simd' (the default) or 'fma'. */
const ENV_SWITCH = 'DNPU_MLP_KERNEL'
type KernelSetting = 'off' | 'simd' | 'fma'

/**
 * The activations the surrogates run on the kernel. The kernel computes all five (tested), but
 * only ReLU gives exact zeros to skip; for the others it would be a plain dense product with its
 * own exp(), no faster than tfjs's and not bit-identical to the tfjs graph DifferentiableSurrogate
 * is checked against, so those stay on tfjs.
 */
export const KERNEL_ACTIVATIONS: readonly ActivationName[] = ['relu']

let chosen: { variant: MlpKernelVariant; bytes: Uint8Array } | null | undefined
let compiled: Promise<WebAssembly.Module> | null = null

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function readEnvSwitch(): KernelSetting {
  // `process` is absent if core is ever bundled for a browser context.
  const raw = typeof process === 'undefined' ? undefined : process.env[ENV_SWITCH]
  if (raw === undefined || raw.trim() === '') return 'simd'
  const value = raw.trim().toLowerCase()
  if (value !== 'off' && value !== 'simd' && value !== 'fma')
    throw new Error(`${ENV_SWITCH} must be 'off', 'simd' or 'fma' (or unset), got '${raw}'`)
  return value
}

function choose(): { variant: MlpKernelVariant; bytes: Uint8Array } | null {
  if (chosen !== undefined) return chosen
  const setting = readEnvSwitch()
  chosen = null
  if (setting === 'off' || typeof WebAssembly === 'undefined') return chosen
  const fma = decodeBase64(MLP_KERNEL_FMA_WASM_BASE64)
  const plain = decodeBase64(MLP_KERNEL_WASM_BASE64)
  if (setting === 'fma' && WebAssembly.validate(fma as Uint8Array<ArrayBuffer>))
    chosen = { variant: 'wasm-relaxed-simd-fma', bytes: fma }
  else if (WebAssembly.validate(plain as Uint8Array<ArrayBuffer>)) chosen = { variant: 'wasm-simd', bytes: plain }
  return chosen
}

/**
 * The kernel build this thread can run, or null where it cannot (no WebAssembly SIMD, or
 * DNPU_MLP_KERNEL=off): then the surrogates use tfjs. Decided once per thread.
 */
export function mlpKernelVariant(): MlpKernelVariant | null {
  return choose()?.variant ?? null
}

/** Whether a surrogate with this activation runs on the kernel in this thread. */
export function usesMlpKernel(activation: ActivationName): boolean {
  return KERNEL_ACTIVATIONS.includes(activation) && mlpKernelVariant() !== null
}

/** Compiled once per thread; every MlpKernel instantiates it with its own memory. */
function compileKernel(): Promise<WebAssembly.Module> {
  const build = choose()
  if (!build)
    return Promise.reject(new Error('MlpKernel: this runtime has no WebAssembly SIMD, or DNPU_MLP_KERNEL=off'))
  compiled ??= WebAssembly.compile(build.bytes as Uint8Array<ArrayBuffer>)
  return compiled
}

/** What the kernel needs of a surrogate: its layers and output settings. */
export interface MlpKernelSpec {
  layers: readonly SurrogateLayer[]
  activation: ActivationName
  /** One per output. */
  amplification: readonly number[]
  clippingValueNanoamps: readonly [number, number]
}

/**
 * A forward that kept what inputGradient needs (per row the hidden outputs and the clip gate). The
 * kept rows stay in the kernel's own memory, so the gradient reads them where the forward wrote
 * them (copying them out and back in cost 10% of a GD batch): release() the pass when done.
 */
export interface KernelPass {
  /** rows x outputCount nA, amplified and clipped. */
  readonly outputsNanoamps: Float32Array
  readonly rowCount: number
}

/** Where a pass's kept rows are in the kernel's memory. */
interface KeptSlot {
  at: number
  bytes: number
  pass: KernelPass | null
}

const padTo4 = (n: number): number => Math.ceil(n / 4) * 4

/** Bump allocator over the kernel's memory; every area 16-byte aligned. */
class Layout {
  top = 0
  take(bytes: number): number {
    const at = this.top
    this.top += Math.ceil(bytes / 16) * 16
    return at
  }
}

function checkLayers(layers: readonly SurrogateLayer[]): void {
  if (layers.length === 0) throw new RangeError('MlpKernel: the model has no layers')
  let previousOut = -1
  layers.forEach((layer, l) => {
    const outCount = layer.weight.length
    const inCount = layer.weight[0]?.length ?? 0
    if (outCount === 0 || inCount === 0) throw new RangeError(`MlpKernel: layer ${l} weight is empty`)
    if (layer.weight.some((row) => row.length !== inCount))
      throw new RangeError(`MlpKernel: layer ${l} weight rows differ in length`)
    if (layer.bias.length !== outCount)
      throw new RangeError(`MlpKernel: layer ${l} has ${layer.bias.length} biases for ${outCount} outputs`)
    if (previousOut >= 0 && inCount !== previousOut)
      throw new RangeError(`MlpKernel: layer ${l} takes ${inCount} inputs, layer ${l - 1} gives ${previousOut}`)
    previousOut = outCount
  })
}

export class MlpKernel {
  readonly inputCount: number
  readonly outputCount: number
  private readonly exports: KernelExports
  private f32: Float32Array
  private readonly ctx = 0
  private readonly inputs: number
  private readonly outputs: number
  /** The kept rows' slots, above every fixed area; a released slot is reused by a later pass. */
  private readonly keptSlots: KeptSlot[] = []
  private readonly keptSlotsStart: number
  private readonly outputGradients: number
  private readonly gradients: number
  /** Bytes per kept row. */
  private readonly keptStrideBytes: number

  private constructor(instance: WebAssembly.Instance, spec: MlpKernelSpec) {
    const { layers } = spec
    this.exports = instance.exports as unknown as KernelExports
    this.inputCount = layers[0]!.weight[0]!.length
    this.outputCount = layers[layers.length - 1]!.weight.length
    if (spec.amplification.length !== this.outputCount) {
      throw new RangeError(
        `MlpKernel: ${spec.amplification.length} amplification values for ${this.outputCount} outputs`
      )
    }
    const layout = new Layout()
    layout.take(CONTEXT_BYTES) // at 0, so no other area is at address 0 (the kernel's "no kept area")
    const table = layout.take(LAYER_ENTRY_BYTES * layers.length)
    const shapes = layers.map((layer) => {
      const out = layer.weight.length
      const inCount = layer.weight[0]!.length
      return { in: inCount, out, inPad: padTo4(inCount), outPad: padTo4(out) }
    })
    const widest = Math.max(...shapes.map((s) => Math.max(s.inPad, s.outPad)))
    const weightAreas = shapes.map((s) => ({
      wt: layout.take(4 * s.in * s.outPad),
      w: layout.take(4 * s.out * s.inPad),
      bias: layout.take(4 * s.outPad)
    }))
    const zeros = layout.take(4 * widest)
    const bufStrideBytes = 4 * widest
    const bufA = layout.take(KERNEL_BLOCK_ROWS * bufStrideBytes)
    const bufB = layout.take(KERNEL_BLOCK_ROWS * bufStrideBytes)
    const lists = layout.take(KERNEL_BLOCK_ROWS * (2 * bufStrideBytes + LIST_SPARE_BYTES))
    const counts = layout.take(4 * KERNEL_BLOCK_ROWS)
    const compaction = layout.take(COMPACTION_TABLE.length)
    const amp = layout.take(4 * this.outputCount)
    // A kept row: each hidden layer's padded outputs, then the clip gate.
    const keptOffsets: number[] = []
    let keptBytes = 0
    shapes.slice(0, -1).forEach((s) => {
      keptOffsets.push(keptBytes)
      keptBytes += 4 * s.outPad
    })
    const gateOffset = keptBytes
    const strideBytes = Math.ceil((keptBytes + 4 * this.outputCount) / 16) * 16
    this.keptStrideBytes = strideBytes
    this.inputs = layout.take(4 * BLOCK_ROWS * this.inputCount)
    this.outputs = layout.take(4 * BLOCK_ROWS * this.outputCount)
    this.outputGradients = layout.take(4 * BLOCK_ROWS * this.outputCount)
    this.gradients = layout.take(4 * BLOCK_ROWS * this.inputCount)

    this.keptSlotsStart = layout.top
    const memory = this.exports.memory
    this.f32 = new Float32Array(memory.buffer)
    this.ensureMemory(layout.top)
    const i32 = new Int32Array(memory.buffer)

    // Wt rows (one per input unit, outPad wide) for the forward, W rows (one per output unit,
    // inPad wide) for the backward; the padding stays zero.
    layers.forEach((layer, l) => {
      const s = shapes[l]!
      const areas = weightAreas[l]!
      layer.weight.forEach((row, o) => {
        row.forEach((weight, i) => {
          this.f32[areas.wt / 4 + i * s.outPad + o] = weight
          this.f32[areas.w / 4 + o * s.inPad + i] = weight
        })
      })
      this.f32.set(layer.bias, areas.bias / 4)
      i32.set(
        [s.in, s.out, 4 * s.inPad, 4 * s.outPad, areas.wt, areas.w, areas.bias, keptOffsets[l] ?? 0],
        (table + l * LAYER_ENTRY_BYTES) / 4
      )
    })
    this.f32.set(spec.amplification, amp / 4)
    i32.set(
      [layers.length, table, ACTIVATION_CODES[spec.activation], bufA, bufB, lists, KERNEL_BLOCK_ROWS, amp],
      this.ctx / 4
    )
    this.f32.set(spec.clippingValueNanoamps, this.ctx / 4 + 8)
    i32.set([zeros, strideBytes, gateOffset, counts, bufStrideBytes, compaction], this.ctx / 4 + 10)
    new Uint8Array(memory.buffer).set(COMPACTION_TABLE, compaction)
  }

  static async create(spec: MlpKernelSpec): Promise<MlpKernel> {
    checkLayers(spec.layers)
    if (!(spec.activation in ACTIVATION_CODES))
      throw new RangeError(`MlpKernel: unknown activation '${String(spec.activation)}'`)
    const instance = await WebAssembly.instantiate(await compileKernel())
    return new MlpKernel(instance, spec)
  }

  /** rows x outputCount: MLP(x) * amplification, clamped to the clipping value when `clip`. */
  forward(inputsVolts: Float32Array, rowCount: number, clip: boolean): Float32Array {
    this.checkRows(inputsVolts, rowCount, this.inputCount, 'inputsVolts')
    const outputs = new Float32Array(rowCount * this.outputCount)
    for (let first = 0; first < rowCount; first += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, rowCount - first)
      this.f32.set(inputsVolts.subarray(first * this.inputCount, (first + rows) * this.inputCount), this.inputs / 4)
      this.exports.forward(this.ctx, this.inputs, rows, this.outputs, clip ? 1 : 0, 0)
      outputs.set(
        this.f32.subarray(this.outputs / 4, this.outputs / 4 + rows * this.outputCount),
        first * this.outputCount
      )
    }
    return outputs
  }

  /** The clipped forward, keeping per row what inputGradient needs (release() the pass after). */
  forwardKeeping(inputsVolts: Float32Array, rowCount: number): KernelPass {
    this.checkRows(inputsVolts, rowCount, this.inputCount, 'inputsVolts')
    const outputsNanoamps = new Float32Array(rowCount * this.outputCount)
    const pass: KernelPass = { outputsNanoamps, rowCount }
    const slot = this.takeSlot(rowCount * this.keptStrideBytes, pass)
    for (let first = 0; first < rowCount; first += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, rowCount - first)
      this.f32.set(inputsVolts.subarray(first * this.inputCount, (first + rows) * this.inputCount), this.inputs / 4)
      this.exports.forward(this.ctx, this.inputs, rows, this.outputs, 1, slot.at + first * this.keptStrideBytes)
      outputsNanoamps.set(
        this.f32.subarray(this.outputs / 4, this.outputs / 4 + rows * this.outputCount),
        first * this.outputCount
      )
    }
    return pass
  }

  /** d loss / d inputs (rows x inputCount) of a kept pass, for d loss / d outputs (rows x outputCount). */
  inputGradient(pass: KernelPass, outputGradient: Float32Array, rowCount: number): Float32Array {
    this.checkRows(outputGradient, rowCount, this.outputCount, 'outputGradient')
    const slot = this.keptSlots.find((kept) => kept.pass === pass)
    if (!slot) throw new Error("MlpKernel: this pass was released, or is not one of this kernel's")
    if (pass.rowCount !== rowCount)
      throw new RangeError(`MlpKernel: the kept pass does not hold ${rowCount} rows (it holds ${pass.rowCount})`)
    const gradients = new Float32Array(rowCount * this.inputCount)
    for (let first = 0; first < rowCount; first += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, rowCount - first)
      this.f32.set(
        outputGradient.subarray(first * this.outputCount, (first + rows) * this.outputCount),
        this.outputGradients / 4
      )
      this.exports.backward(
        this.ctx,
        slot.at + first * this.keptStrideBytes,
        this.outputGradients,
        rows,
        this.gradients
      )
      gradients.set(
        this.f32.subarray(this.gradients / 4, this.gradients / 4 + rows * this.inputCount),
        first * this.inputCount
      )
    }
    return gradients
  }

  /** Frees a pass's kept rows for later passes; its inputGradient is refused from now on. */
  release(pass: KernelPass): void {
    const slot = this.keptSlots.find((kept) => kept.pass === pass)
    if (slot) slot.pass = null
  }

  /** The smallest free slot that fits, else a new one at the end (growing the memory). */
  private takeSlot(bytes: number, pass: KernelPass): KeptSlot {
    let best: KeptSlot | null = null
    for (const slot of this.keptSlots) {
      if (slot.pass === null && slot.bytes >= bytes && (best === null || slot.bytes < best.bytes)) best = slot
    }
    if (!best) {
      const last = this.keptSlots.at(-1)
      const at = last ? last.at + last.bytes : this.keptSlotsStart
      best = { at, bytes: Math.ceil(bytes / 16) * 16, pass: null }
      this.ensureMemory(best.at + best.bytes)
      this.keptSlots.push(best)
    }
    best.pass = pass
    return best
  }

  /** Grows the memory to at least `bytes`; growing replaces the buffer, so the view is renewed. */
  private ensureMemory(bytes: number): void {
    const memory = this.exports.memory
    const pagesNeeded = Math.ceil(bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES
    if (pagesNeeded <= 0) return
    memory.grow(pagesNeeded)
    this.f32 = new Float32Array(memory.buffer)
  }

  private checkRows(values: Float32Array, rowCount: number, width: number, name: string): void {
    if (!Number.isInteger(rowCount) || rowCount < 0)
      throw new RangeError(`rowCount must be a non-negative integer, got ${rowCount}`)
    if (values.length !== rowCount * width)
      throw new RangeError(`${name} has ${values.length} values, expected ${rowCount} rows x ${width}`)
  }
}
