// The legacy (non-zip) format of torch.save, written by PyTorch 0.4 to 1.5 and still by
// `_use_new_zipfile_serialization=False`. One stream holding, in order:
//   pickle(magic number) pickle(protocol 1001) pickle(sys_info) pickle(object)
//   pickle([storage keys]) and then per key: int64 LE element count + raw LE storage bytes.
import { TorchFileError, damaged, unsupported } from './torch-file-error.js'
import { DATA_ONLY_HOOKS, createTorchHooks } from './torch-globals.js'
import { unpickle } from './unpickler.js'
import { PyDict, describeValue, type PickleValue } from './pickle-values.js'
import { StorageRegistry } from './storage-ids.js'
import { ELEMENT_BYTES, attachStorage } from './torch-tensor.js'
import type { TorchFileContents } from './torch-file-contents.js'
import type { ImportBudget } from './torch-file-limits.js'

export const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn
export const LEGACY_PROTOCOL_VERSION = 1001

function storageKeys(value: PickleValue): string[] {
  if (!Array.isArray(value) || value.some((key) => typeof key !== 'string')) {
    throw damaged('the legacy storage key list is not a list of str')
  }
  return value as string[]
}

export function loadLegacyTorchFile(bytes: Uint8Array, budget: ImportBudget): TorchFileContents {
  const magic = unpickle(bytes, 0, 'the legacy header', DATA_ONLY_HOOKS, budget)
  if (magic.value !== LEGACY_MAGIC_NUMBER) {
    throw new TorchFileError(
      'not-torch',
      "the file is a Python pickle but not a torch.save file (it lacks torch's magic number)"
    )
  }
  const protocol = unpickle(bytes, magic.end, 'the legacy header', DATA_ONLY_HOOKS, budget)
  if (protocol.value !== LEGACY_PROTOCOL_VERSION) {
    throw unsupported(
      `the legacy torch format has protocol version ${describeValue(protocol.value)}; only ${LEGACY_PROTOCOL_VERSION} is supported`
    )
  }
  const sysInfo = unpickle(bytes, protocol.end, 'the legacy header', DATA_ONLY_HOOKS, budget)
  if (sysInfo.value instanceof PyDict && sysInfo.value.entries.get('little_endian') === false) {
    throw unsupported('the file was saved on a big-endian machine; only little-endian storages are supported')
  }

  const registry = new StorageRegistry('legacy', budget)
  const { hooks, tensors } = createTorchHooks((pid) => registry.resolve(pid), budget)
  const object = unpickle(bytes, sysInfo.end, 'the pickled object', hooks, budget)
  const keyList = unpickle(bytes, object.end, 'the legacy storage key list', DATA_ONLY_HOOKS, budget)

  // The storages follow back to back in key-list order; each one's size is known from the pickle.
  const storageBytes = new Map<string, Uint8Array>()
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = keyList.end
  for (const key of storageKeys(keyList.value)) {
    const storage = registry.storages.get(key)
    if (!storage) throw damaged(`the legacy storage list names storage ${key}, which no tensor uses`)
    if (storageBytes.has(key)) throw damaged(`the legacy storage list names storage ${key} twice`)
    if (offset + 8 > bytes.length) throw damaged(`the file is truncated: it ends before the data of storage ${key}`)
    const count = view.getBigInt64(offset, true)
    if (count !== BigInt(storage.elementCount)) {
      throw damaged(`storage ${key} has ${count} elements in its data but ${storage.elementCount} in the pickle`)
    }
    const byteCount = storage.elementCount * ELEMENT_BYTES[storage.dtype]
    offset += 8
    if (offset + byteCount > bytes.length)
      throw damaged(`the file is truncated: it ends inside the data of storage ${key}`)
    storageBytes.set(key, bytes.subarray(offset, offset + byteCount))
    offset += byteCount
  }
  for (const key of registry.storages.keys()) {
    if (!storageBytes.has(key)) throw damaged(`the data of storage ${key} is missing from the file`)
  }
  for (const tensor of tensors) attachStorage(tensor, storageBytes.get(tensor.storage.key)!)
  const warnings =
    offset < bytes.length
      ? [`the file has ${bytes.length - offset} unexpected bytes after the last storage; they were ignored`]
      : []
  return { format: 'legacy', archiveName: null, formatVersion: LEGACY_PROTOCOL_VERSION, root: object.value, warnings }
}
