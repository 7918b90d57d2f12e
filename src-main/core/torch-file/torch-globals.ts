// The allow-list: the only Python globals a surrogate file may name, and what each one does
// here. A pickle can name any importable Python callable; torch.load would import and call it,
// which is how a malicious .pt runs code. We resolve allowed names to inert markers and
// implement their few effects in JS; every other name is refused before anything else happens.
import { TorchFileError, damaged, unsupported } from './torch-file-error.js'
import { PyDict, PyGlobal, PyTuple, isDictKey, pythonTypeName, type PickleValue } from './pickle-values.js'
import {
  SUPPORTED_STORAGE_TYPES,
  TorchStorageRef,
  TorchTensor,
  UNSUPPORTED_STORAGE_TYPES,
  makeTensor,
  type TorchDtype
} from './torch-tensor.js'
import type { UnpicklerHooks } from './unpickler.js'
import { ImportBudget } from './torch-file-limits.js'

type AllowedRole = 'ordered-dict' | 'rebuild-tensor-v2' | 'rebuild-tensor' | 'rebuild-parameter' | 'storage-type'

/** Qualified name -> role. This table is the whole trust boundary: keep it short. */
export const ALLOWED_GLOBALS: ReadonlyMap<string, AllowedRole> = new Map<string, AllowedRole>([
  ['collections.OrderedDict', 'ordered-dict'],
  ['torch._utils._rebuild_tensor_v2', 'rebuild-tensor-v2'],
  ['torch._utils._rebuild_tensor', 'rebuild-tensor'], // PyTorch < 0.4, legacy format
  ['torch._utils._rebuild_parameter', 'rebuild-parameter'], // state_dict(keep_vars=True)
  ...Object.keys(SUPPORTED_STORAGE_TYPES).map((name): [string, AllowedRole] => [`torch.${name}`, 'storage-type'])
])

export function refusedGlobal(qualifiedName: string): TorchFileError {
  return new TorchFileError(
    'refused',
    `refused: the file references the Python global ${qualifiedName}, which a surrogate model never needs`
  )
}

/** For pickles that may hold plain data only (the legacy format's header and key list). */
export const DATA_ONLY_HOOKS: UnpicklerHooks = {
  findGlobal: (module, name) => {
    throw refusedGlobal(`${module}.${name}`)
  },
  call: (callable) => {
    throw damaged(`the pickle calls a ${pythonTypeName(callable)}`)
  },
  instantiate: (cls) => {
    throw damaged(`the pickle instantiates a ${pythonTypeName(cls)}`)
  },
  build: (target) => {
    throw damaged(`the pickle sets the state of a ${pythonTypeName(target)}`)
  },
  persistentLoad: () => {
    throw damaged('the pickle refers to a storage where only plain data belongs')
  }
}

function roleOf(value: PickleValue): AllowedRole | undefined {
  return value instanceof PyGlobal ? ALLOWED_GLOBALS.get(value.qualifiedName) : undefined
}

function storageArgument(value: PickleValue | undefined, callee: string): TorchStorageRef {
  if (!(value instanceof TorchStorageRef))
    throw damaged(`${callee} got a ${value === undefined ? 'missing' : pythonTypeName(value)} storage argument`)
  return value
}

function sequenceArgument(value: PickleValue | undefined, what: string): readonly PickleValue[] {
  if (value instanceof PyTuple) return value.items
  if (Array.isArray(value)) return value
  throw damaged(`a tensor's ${what} is a ${value === undefined ? 'missing value' : pythonTypeName(value)}, not a tuple`)
}

function orderedDictFrom(args: PyTuple): PyDict {
  const dict = new PyDict(true)
  if (args.items.length === 0) return dict
  const source = args.items[0]!
  const pairs = source instanceof PyTuple ? source.items : Array.isArray(source) ? source : null
  if (args.items.length > 1 || pairs === null)
    throw unsupported('collections.OrderedDict is built from arguments other than a list of pairs')
  for (const pair of pairs) {
    const items = pair instanceof PyTuple ? pair.items : Array.isArray(pair) ? pair : null
    if (items === null || items.length !== 2 || !isDictKey(items[0]!))
      throw damaged('collections.OrderedDict got an item that is not a (key, value) pair')
    dict.entries.set(items[0], items[1]!)
  }
  return dict
}

/** Extract the dtype of a storage class named in a persistent id. */
export function storageDtype(value: PickleValue | undefined): TorchDtype {
  if (value instanceof PyGlobal && value.module === 'torch') {
    const dtype = SUPPORTED_STORAGE_TYPES[value.name]
    if (dtype) return dtype
  }
  throw damaged(
    `a tensor storage's type is a ${value === undefined ? 'missing value' : pythonTypeName(value)}, not a torch storage class`
  )
}

/**
 * Hooks that let a torch pickle build dicts, OrderedDicts and tensors, and nothing else.
 * `persistentLoad` is format-specific (zip and legacy ids differ); every tensor built is
 * collected in `tensors` so the loader can attach its bytes afterwards.
 */
export function createTorchHooks(
  persistentLoad: (pid: PickleValue) => TorchStorageRef,
  budget = new ImportBudget()
): { hooks: UnpicklerHooks; tensors: TorchTensor[] } {
  const tensors: TorchTensor[] = []

  const rebuildTensor = (args: readonly PickleValue[], callee: string): TorchTensor => {
    const tensor = makeTensor(
      storageArgument(args[0], callee),
      args[1],
      sequenceArgument(args[2], 'shape'),
      sequenceArgument(args[3], 'stride'),
      budget
    )
    tensors.push(tensor)
    return tensor
  }

  const hooks: UnpicklerHooks = {
    findGlobal(module, name) {
      const qualifiedName = `${module}.${name}`
      if (ALLOWED_GLOBALS.has(qualifiedName)) return new PyGlobal(module, name)
      const unsupportedDtype = module === 'torch' ? UNSUPPORTED_STORAGE_TYPES[name] : undefined
      if (unsupportedDtype) {
        throw unsupported(
          `the file stores tensors of dtype ${unsupportedDtype} (${qualifiedName}); only float32 and float64 weights are supported`
        )
      }
      throw refusedGlobal(qualifiedName)
    },

    call(callable, args) {
      const items = args.items
      switch (roleOf(callable)) {
        case 'ordered-dict':
          return orderedDictFrom(args)
        case 'rebuild-tensor-v2':
          // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
          if (items.length < 6 || items.length > 7)
            throw damaged(`torch._utils._rebuild_tensor_v2 got ${items.length} arguments instead of 6 or 7`)
          return rebuildTensor(items, 'torch._utils._rebuild_tensor_v2')
        case 'rebuild-tensor':
          if (items.length !== 4)
            throw damaged(`torch._utils._rebuild_tensor got ${items.length} arguments instead of 4`)
          return rebuildTensor(items, 'torch._utils._rebuild_tensor')
        case 'rebuild-parameter': {
          // (data, requires_grad, backward_hooks): a Parameter is its tensor for our purposes.
          const data = items[0]
          if (items.length !== 3 || !(data instanceof TorchTensor))
            throw damaged('torch._utils._rebuild_parameter did not get (tensor, requires_grad, hooks)')
          return data
        }
        case 'storage-type':
          throw unsupported(
            `the file builds a ${pythonTypeName(callable)} directly instead of referring to stored data`
          )
        default:
          throw damaged(`the pickle calls a ${pythonTypeName(callable)}, which is not callable`)
      }
    },

    instantiate(cls, args) {
      if (roleOf(cls) === 'ordered-dict' && args.items.length === 0) return new PyDict(true)
      throw damaged(`the pickle instantiates a ${pythonTypeName(cls)} in a way torch.save never does`)
    },

    build(target, state) {
      // OrderedDict.__setstate__: a state dict carries `_metadata` (module versions) as an attribute.
      if (target instanceof PyDict && target.ordered) {
        const dictState = state instanceof PyTuple ? state.items[0] : state
        if (dictState === null || dictState === undefined) return
        if (!(dictState instanceof PyDict))
          throw damaged(`an OrderedDict got a ${pythonTypeName(dictState)} as its state`)
        target.attributes ??= new Map()
        for (const [key, value] of dictState.entries) target.attributes.set(key, value)
        return
      }
      throw unsupported(
        `the pickle sets the state of a ${pythonTypeName(target)}, which torch.save never does for a surrogate model`
      )
    },

    persistentLoad
  }
  return { hooks, tensors }
}
