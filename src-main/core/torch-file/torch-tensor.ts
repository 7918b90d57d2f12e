// Tensors as torch.save pickles them: a storage (typed flat buffer, referenced by key) plus
// offset, shape and stride. The pickle only describes them; the bytes are attached afterwards
// because the legacy format stores them after the pickle.
import { damaged, unsupported } from './torch-file-error.js'
import { describeValue, previewList, type PickleExtension, type PickleValue } from './pickle-values.js'
import { ImportBudget, TORCH_FILE_LIMITS, formatCount, overLimit } from './torch-file-limits.js'

export type TorchDtype = 'float32' | 'float64'

export const ELEMENT_BYTES: Readonly<Record<TorchDtype, number>> = { float32: 4, float64: 8 }

/** The storage classes torch pickles by name (torch.FloatStorage, ...), by the dtype they hold. */
export const SUPPORTED_STORAGE_TYPES: Readonly<Record<string, TorchDtype>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64'
}

/** Storage classes of a real torch save that this importer cannot use, for a precise refusal. */
export const UNSUPPORTED_STORAGE_TYPES: Readonly<Record<string, string>> = {
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  ComplexFloatStorage: 'complex64',
  ComplexDoubleStorage: 'complex128',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  QInt8Storage: 'qint8',
  QUInt8Storage: 'quint8',
  QInt32Storage: 'qint32',
  UntypedStorage: 'untyped bytes'
}

/** A reference to one storage, as resolved from a persistent id. */
export class TorchStorageRef implements PickleExtension {
  readonly pythonType = 'torch storage'

  constructor(
    /** The key naming the storage's bytes: data/<key> in a zip archive, or in the legacy key list. */
    readonly key: string,
    readonly dtype: TorchDtype,
    /** Elements in the whole storage. */
    readonly elementCount: number,
    /** Legacy storage views: this reference covers elements [offset, offset + count) of the storage. */
    readonly view: { elementOffset: number; elementCount: number } | null = null
  ) {}
}

const NOT_LOADED = new Float64Array(0)

export class TorchTensor implements PickleExtension {
  readonly pythonType = 'torch.Tensor'
  /** Row-major values as float64 (float32 values convert exactly). Filled by attachStorage(). */
  data: Float64Array = NOT_LOADED

  constructor(
    readonly storage: TorchStorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[]
  ) {}

  get dtype(): TorchDtype {
    return this.storage.dtype
  }

  get elementCount(): number {
    return this.shape.reduce((product, size) => product * size, 1)
  }
}

/** torch.Size, stride and offset must hold non-negative integers. */
function checkDims(values: readonly PickleValue[], what: string): number[] {
  return values.map((value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw damaged(`a tensor's ${what} holds ${describeValue(value)}, not a non-negative integer`)
    }
    return value
  })
}

/** The element count of a shape, refused over the limit before anything is sized by it. */
function checkedElementCount(shape: readonly number[]): number {
  // Floats: a product of a million huge sizes must stay O(n) (bigints would not).
  const elements = shape.includes(0) ? 0 : shape.reduce((product, size) => product * size, 1)
  if (elements > TORCH_FILE_LIMITS.tensorElements) {
    const count = Number.isSafeInteger(elements) ? formatCount(elements) : `about ${elements.toPrecision(3)}`
    throw overLimit('tensorElements', `a tensor of shape [${previewList(shape)}] has ${count} elements`)
  }
  return elements
}

/**
 * Validate the geometry of `_rebuild_tensor_v2(storage, offset, size, stride, ...)`. Only
 * row-major contiguous tensors are accepted: every nn.Linear weight and bias is one, and a
 * strided view would need a gather that no surrogate file has a reason to require.
 */
export function makeTensor(
  storage: TorchStorageRef,
  storageOffset: PickleValue | undefined,
  size: readonly PickleValue[],
  stride: readonly PickleValue[],
  budget: ImportBudget
): TorchTensor {
  const offset = checkDims([storageOffset ?? null], 'storage offset')[0]!
  const shape = checkDims(size, 'shape')
  const strides = checkDims(stride, 'stride')
  const elementCount = checkedElementCount(shape)
  // Every tensor gets its own decoded copy, so tensors sharing one storage count each time.
  budget.spend(
    'tensorElements',
    elementCount,
    (total) => `the file's tensors hold ${total} elements in all`,
    'tensor elements'
  )
  if (strides.length !== shape.length) {
    throw damaged(`a tensor has shape [${previewList(shape)}] but ${strides.length} strides`)
  }
  let expected = 1
  for (let dim = shape.length - 1; dim >= 0; dim -= 1) {
    // A dimension of size 1 is never stepped over, so torch may store any stride for it.
    if (shape[dim]! > 1 && strides[dim] !== expected) {
      throw unsupported(
        `a tensor of shape [${previewList(shape)}] has strides [${previewList(strides)}], so it is not contiguous (e.g. a transposed view); only contiguous tensors are supported`
      )
    }
    expected *= shape[dim]!
  }
  const extent = storage.view?.elementCount ?? storage.elementCount
  if (offset + elementCount > extent) {
    throw damaged(
      `a tensor of shape [${previewList(shape)}] at offset ${offset} runs past the end of its storage of ${extent} elements`
    )
  }
  return new TorchTensor(storage, offset, shape)
}

/**
 * Decode the tensor's values from the bytes of its whole (root) storage, little-endian.
 * The caller has checked that the bytes hold exactly the storage's element count.
 */
export function attachStorage(tensor: TorchTensor, storageBytes: Uint8Array): void {
  const { dtype, view } = tensor.storage
  const elementBytes = ELEMENT_BYTES[dtype]
  const start = (view?.elementOffset ?? 0) + tensor.storageOffset
  const count = tensor.elementCount
  const source = new DataView(storageBytes.buffer, storageBytes.byteOffset, storageBytes.byteLength)
  const data = new Float64Array(count)
  for (let i = 0; i < count; i += 1) {
    const at = (start + i) * elementBytes
    data[i] = dtype === 'float32' ? source.getFloat32(at, true) : source.getFloat64(at, true)
  }
  tensor.data = data
}
