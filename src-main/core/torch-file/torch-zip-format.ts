// The zip format of torch.save (PyTorch >= 1.6): an archive whose members all sit under one
// folder <name>/: data.pkl (the pickled object), data/<key> (raw little-endian storage bytes),
// version (format version, ASCII), and in newer versions byteorder and .data/ records.
import { TorchFileError, damaged, unsupported } from './torch-file-error.js'
import { previewList } from './pickle-values.js'
import { checkLimit, type ImportBudget } from './torch-file-limits.js'
import { openZipArchive, type ZipArchive } from './zip-archive.js'
import { createTorchHooks } from './torch-globals.js'
import { unpickle } from './unpickler.js'
import { StorageRegistry } from './storage-ids.js'
import { ELEMENT_BYTES, attachStorage } from './torch-tensor.js'
import type { TorchFileContents } from './torch-file-contents.js'

const DATA_PICKLE = /^([^/]+)\/data\.pkl$/
const TEXT = new TextDecoder('utf-8')

function findArchiveName(archive: ZipArchive): string {
  const names = archive.members.map((member) => member.name)
  const candidates = names.flatMap((name) => DATA_PICKLE.exec(name)?.[1] ?? [])
  if (candidates.length === 1) return candidates[0]!
  if (candidates.length > 1) throw unsupported(`the zip archive holds several torch saves (${previewList(candidates)})`)
  if (names.some((name) => /(^|\/)(constants\.pkl|code\/)/.test(name))) {
    throw new TorchFileError(
      'not-torch',
      'this is a TorchScript archive (torch.jit.save), not a torch.save file of a brainspy-smg surrogate'
    )
  }
  const listed = names.length > 0 ? previewList(names) : 'nothing'
  throw new TorchFileError(
    'not-torch',
    `the zip archive has no <name>/data.pkl, so it is not a torch.save file (it holds: ${listed})`
  )
}

function readVersion(archive: ZipArchive, prefix: string, warnings: string[]): number | null {
  const member = [`${prefix}/version`, `${prefix}/.data/version`].find((name) => archive.has(name))
  if (member === undefined) {
    warnings.push('the archive has no version record; it was read as a current torch.save file')
    return null
  }
  const text = TEXT.decode(archive.read(member)).trim()
  if (!/^\d+$/.test(text))
    throw damaged(`${member} holds ${JSON.stringify(text.slice(0, 20))}, not a format version number`)
  return Number(text)
}

function checkByteOrder(archive: ZipArchive, prefix: string): void {
  const member = `${prefix}/byteorder`
  if (!archive.has(member)) return // Absent before PyTorch 2.1: those always wrote little-endian.
  const order = TEXT.decode(archive.read(member)).trim()
  if (order === 'little') return
  if (order === 'big')
    throw unsupported('the file was saved on a big-endian machine; only little-endian storages are supported')
  throw damaged(`${member} holds ${JSON.stringify(order.slice(0, 20))}, not "little" or "big"`)
}

export function loadZipTorchFile(bytes: Uint8Array, budget: ImportBudget): TorchFileContents {
  const archive = openZipArchive(bytes, budget)
  const prefix = findArchiveName(archive)
  const warnings: string[] = []
  const formatVersion = readVersion(archive, prefix, warnings)
  checkByteOrder(archive, prefix)

  const registry = new StorageRegistry('zip', budget)
  const { hooks, tensors } = createTorchHooks((pid) => registry.resolve(pid), budget)
  const pickleMember = `${prefix}/data.pkl`
  checkLimit('pickleBytes', archive.sizeOf(pickleMember), (size) => `${pickleMember} is ${size} bytes`)
  const { value: root } = unpickle(archive.read(pickleMember), 0, pickleMember, hooks, budget)

  // Only the storages the pickle refers to are read, each once, and checked against its declared
  // size before it is inflated.
  const storageBytes = new Map<string, Uint8Array>()
  for (const [key, storage] of registry.storages) {
    const member = `${prefix}/data/${key}`
    if (!archive.has(member))
      throw damaged(`the archive has no ${member}, which holds tensor data: the file is incomplete`)
    const expectedBytes = storage.elementCount * ELEMENT_BYTES[storage.dtype]
    const declaredBytes = archive.sizeOf(member)
    if (declaredBytes !== expectedBytes) {
      throw damaged(
        `${member} holds ${declaredBytes} bytes but its ${storage.elementCount} ${storage.dtype} values need ${expectedBytes}`
      )
    }
    storageBytes.set(key, archive.read(member))
  }
  for (const tensor of tensors) attachStorage(tensor, storageBytes.get(tensor.storage.key)!)
  return { format: 'zip', archiveName: prefix, formatVersion, root, warnings }
}
