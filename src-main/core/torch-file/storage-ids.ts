// Persistent ids: how torch.save's pickle points at tensor bytes kept outside the pickle.
//   zip format:    ('storage', torch.FloatStorage, key, location, numel)
//   legacy format: ('storage', torch.FloatStorage, key, location, numel, view_metadata)
// where view_metadata is None or (view_key, element_offset, element_count).
import { damaged, unsupported } from './torch-file-error.js'
import { PyTuple, describeValue, pythonTypeName, type PickleValue } from './pickle-values.js'
import { storageDtype } from './torch-globals.js'
import { TorchStorageRef } from './torch-tensor.js'
import { checkLimit, type ImportBudget } from './torch-file-limits.js'

export type TorchFileFormat = 'zip' | 'legacy'

function elementCount(value: PickleValue | undefined, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw damaged(`a tensor storage's ${what} is ${describeValue(value)}, not a non-negative integer`)
  }
  return value
}

/** Resolves persistent ids and checks that every reference to one key agrees on dtype and size. */
export class StorageRegistry {
  /** Root storages by key, in first-reference order. */
  readonly storages = new Map<string, TorchStorageRef>()

  constructor(
    private readonly format: TorchFileFormat,
    private readonly budget: ImportBudget
  ) {}

  resolve(pid: PickleValue): TorchStorageRef {
    const items = pid instanceof PyTuple ? pid.items : null
    if (items === null || items.length === 0) throw damaged(`a persistent id is a ${pythonTypeName(pid)}, not a tuple`)
    if (items[0] === 'module') {
      throw unsupported('the file pickles a whole torch.nn.Module; brainspy-smg surrogate files hold a state dict')
    }
    if (items[0] !== 'storage')
      throw unsupported(
        `the file has a persistent id of kind ${describeValue(items[0])}; only tensor storages are supported`
      )
    const expectedLength = this.format === 'zip' ? 5 : 6
    if (items.length !== expectedLength) {
      throw damaged(
        `a storage persistent id has ${items.length} fields; the ${this.format} format uses ${expectedLength}`
      )
    }
    const dtype = storageDtype(items[1])
    const key = items[2]
    if (typeof key !== 'string' || key === '')
      throw damaged(`a storage key is ${pythonTypeName(key!)}, not a non-empty str`)
    if (typeof items[3] !== 'string') throw damaged(`the location of storage ${key} is not a str`)
    const root = this.register(key, dtype, elementCount(items[4], 'element count'))
    const viewMetadata = this.format === 'legacy' ? items[5] : null
    if (viewMetadata === null || viewMetadata === undefined) return root
    // Storage views (PyTorch < 1.0): a window onto the root storage.
    const view = viewMetadata instanceof PyTuple ? viewMetadata.items : []
    if (view.length !== 3) throw damaged(`storage ${key} has view metadata that is not (key, offset, size)`)
    const offset = elementCount(view[1], 'view offset')
    const count = elementCount(view[2], 'view size')
    if (offset + count > root.elementCount)
      throw damaged(`a view of storage ${key} runs past its ${root.elementCount} elements`)
    return new TorchStorageRef(key, dtype, root.elementCount, { elementOffset: offset, elementCount: count })
  }

  private register(key: string, dtype: TorchStorageRef['dtype'], count: number): TorchStorageRef {
    const known = this.storages.get(key)
    if (known) {
      if (known.dtype !== dtype || known.elementCount !== count) {
        throw damaged(
          `storage ${key} is referred to both as ${known.elementCount} x ${known.dtype} and as ${count} x ${dtype}`
        )
      }
      return known
    }
    // The claim is checked as soon as it is made: the storage's bytes are read, and sized, later.
    checkLimit('tensorElements', count, (claimed) => `storage ${key} claims ${claimed} elements`)
    this.budget.spend(
      'tensorElements',
      count,
      (total) => `the file's storages claim ${total} elements in all`,
      'storage elements'
    )
    const storage = new TorchStorageRef(key, dtype, count)
    this.storages.set(key, storage)
    return storage
  }
}
