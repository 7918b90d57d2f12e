// Truncated, corrupted and foreign files: always a TorchFileError that says what is wrong,
// never a raw TypeError (kind 'internal' would mean one slipped through the wrapper).
import { describe, expect, it } from 'vitest'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { TorchFileError } from './torch-file-error.js'
import { openZipArchive } from './zip-archive.js'
import { Rng } from '../rng.js'
import { readFixture } from './__fixtures__/read-fixture.js'
import { buildTorchZip, tinyModel, zipMembers } from './__fixtures__/torch-file-builder.js'
import { errorOf } from './__fixtures__/error-of.js'

/** Import, and if it fails, check the failure is a diagnosed one. Returns the error or null. */
function importOrDiagnose(bytes: Uint8Array): TorchFileError | null {
  try {
    importTorchSurrogate(bytes)
    return null
  } catch (error) {
    expect(error).toBeInstanceOf(TorchFileError)
    const torchError = error as TorchFileError
    expect(torchError.kind, torchError.message).not.toBe('internal')
    return torchError
  }
}

/** The unzipped members of a fixture, to rebuild it with one member changed (and valid CRCs). */
function membersOf(bytes: Uint8Array): Record<string, Uint8Array> {
  const archive = openZipArchive(bytes)
  return Object.fromEntries(archive.members.map((member) => [member.name, archive.read(member.name)]))
}

describe('truncated files', () => {
  it('reports the zip end record missing at every cut of small-elu.pt', () => {
    const bytes = readFixture('small-elu.pt')
    for (let length = 1; length < bytes.length; length += 1) {
      const error = importOrDiagnose(bytes.subarray(0, length))!
      expect(error, `cut at ${length}`).not.toBeNull()
      expect(error.reason).toMatch(/truncated or damaged/)
    }
  })

  it('reports a cut at every length of the legacy file', () => {
    const bytes = readFixture('small-elu-legacy.pt')
    for (let length = 1; length < bytes.length; length += 1) {
      const error = importOrDiagnose(bytes.subarray(0, length))
      expect(error, `cut at ${length}`).not.toBeNull()
      expect(error!.kind).toBe('damaged')
      expect(error!.reason).toMatch(/truncated/)
    }
  })

  it('names the storage a legacy file ends inside', () => {
    const bytes = readFixture('small-elu-legacy.pt')
    expect(errorOf(() => importTorchSurrogate(bytes.subarray(0, bytes.length - 3))).reason).toMatch(
      /^the file is truncated: it ends inside the data of storage \d+$/
    )
  })

  it('reports a demo file cut in the middle of its weights', () => {
    const bytes = readFixture('demo-surrogate.pt')
    for (const length of [100, 2000, 50_000, 100_000, bytes.length - 100, bytes.length - 1]) {
      expect(importOrDiagnose(bytes.subarray(0, length))?.kind).toBe('damaged')
    }
  })
})

describe('corrupted files', () => {
  it('detects flipped bytes in data.pkl through the zip CRC', () => {
    const bytes = readFixture('small-elu.pt').slice()
    const archive = openZipArchive(bytes)
    const pkl = archive.members.find((member) => member.name.endsWith('data.pkl'))!
    // The stored member starts after the 30-byte local header, its name and its extra field.
    const view = new DataView(bytes.buffer)
    const dataStart =
      pkl.localHeaderOffset +
      30 +
      view.getUint16(pkl.localHeaderOffset + 26, true) +
      view.getUint16(pkl.localHeaderOffset + 28, true)
    bytes[dataStart + 600] ^= 0x40
    expect(errorOf(() => importTorchSurrogate(bytes)).reason).toBe(
      'member small-elu/data.pkl is corrupted: its CRC-32 does not match the archive directory'
    )
  })

  it('diagnoses every single-byte flip of data.pkl even when the CRC was recomputed', () => {
    const members = membersOf(readFixture('small-elu.pt'))
    const pickle = members['small-elu/data.pkl']!
    for (let at = 0; at < pickle.length; at += 1) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const broken = pickle.slice()
        broken[at] ^= mask
        importOrDiagnose(zipMembers({ ...members, 'small-elu/data.pkl': broken }))
      }
    }
  })

  it('diagnoses every single-byte flip of the legacy file', () => {
    const bytes = readFixture('small-elu-legacy.pt')
    for (let at = 0; at < bytes.length; at += 1) {
      const broken = bytes.slice()
      broken[at] ^= 0xff
      importOrDiagnose(broken)
    }
  })

  it('diagnoses random multi-byte damage to the pickles of both layouts (seeded fuzz)', () => {
    const rng = new Rng(20240611)
    const members = membersOf(readFixture('small-tanh.pt'))
    const pickle = members['small-tanh/data.pkl']!
    const legacy = readFixture('small-tanh-float64-legacy.pt')
    const randomIndex = (length: number) => Math.floor(rng.random() * length)
    for (let trial = 0; trial < 1500; trial += 1) {
      const broken = pickle.slice()
      const brokenLegacy = legacy.slice()
      const edits = 1 + randomIndex(4)
      for (let edit = 0; edit < edits; edit += 1) {
        broken[randomIndex(broken.length)] = randomIndex(256)
        brokenLegacy[randomIndex(brokenLegacy.length)] = randomIndex(256)
      }
      importOrDiagnose(zipMembers({ ...members, 'small-tanh/data.pkl': broken }))
      importOrDiagnose(brokenLegacy)
    }
  })

  it('reports a removed storage member', () => {
    const members = membersOf(readFixture('small-elu.pt'))
    delete members['small-elu/data/2']
    expect(errorOf(() => importTorchSurrogate(zipMembers(members))).reason).toBe(
      'the archive has no small-elu/data/2, which holds tensor data: the file is incomplete'
    )
  })

  it('reports a storage member of the wrong size', () => {
    const members = membersOf(readFixture('small-elu.pt'))
    members['small-elu/data/3'] = new Uint8Array(3)
    expect(errorOf(() => importTorchSurrogate(zipMembers(members))).reason).toBe(
      'small-elu/data/3 holds 3 bytes but its 1 float32 values need 4'
    )
  })

  it('reports a removed data.pkl as not a torch save', () => {
    const members = membersOf(readFixture('small-elu.pt'))
    delete members['small-elu/data.pkl']
    const error = errorOf(() => importTorchSurrogate(zipMembers(members)))
    expect(error.kind).toBe('not-torch')
    expect(error.reason).toMatch(
      /^the zip archive has no <name>\/data\.pkl, so it is not a torch\.save file \(it holds: small-elu\/data\/0/
    )
  })

  it('reports a damaged central directory', () => {
    const bytes = readFixture('small-elu.pt').slice()
    const centralDirectory = bytes.findLastIndex(
      (_, i) => bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x01 && bytes[i + 3] === 0x02
    )
    bytes[centralDirectory + 1] = 0
    expect(errorOf(() => importTorchSurrogate(bytes)).reason).toMatch(
      /central directory entry \d of 6 is not where it should be/
    )
  })

  it('diagnoses every single-byte flip of a whole zip file', () => {
    const bytes = readFixture('small-elu.pt')
    for (let at = 0; at < bytes.length; at += 1) {
      const broken = bytes.slice()
      broken[at] ^= 0x55
      importOrDiagnose(broken)
    }
  })

  it('reports a tensor that runs past its storage', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.2.bias'] = { shape: [1], values: [0.5], storageOffset: 1 }
    expect(errorOf(() => importTorchSurrogate(buildTorchZip(spec))).reason).toBe(
      'a tensor of shape [1] at offset 1 runs past the end of its storage of 1 elements'
    )
  })

  it('refuses a non-contiguous (transposed) weight', () => {
    const spec = tinyModel()
    spec.stateDict['raw_model.0.weight']!.stride = [1, 3]
    const error = errorOf(() => importTorchSurrogate(buildTorchZip(spec)))
    expect(error.kind).toBe('unsupported')
    expect(error.reason).toBe(
      'a tensor of shape [3, 7] has strides [1, 3], so it is not contiguous (e.g. a transposed view); only contiguous tensors are supported'
    )
  })

  it('refuses a big-endian archive', () => {
    const bytes = buildTorchZip(tinyModel(), { extra: { byteorder: new TextEncoder().encode('big') } })
    expect(errorOf(() => importTorchSurrogate(bytes)).reason).toBe(
      'the file was saved on a big-endian machine; only little-endian storages are supported'
    )
  })

  it('warns about a missing version record but imports', () => {
    const { warnings, file } = importTorchSurrogate(buildTorchZip(tinyModel(), { omit: ['version'] }))
    expect(file.formatVersion).toBeNull()
    expect(warnings).toEqual(['the archive has no version record; it was read as a current torch.save file'])
  })
})

describe('files that are not torch saves', () => {
  it.each<[string, Uint8Array, string]>([
    ['an empty file', new Uint8Array(0), 'the file is empty'],
    [
      'a JSON file',
      new TextEncoder().encode(' {"format": "dnpu-surrogate-json/1"}'),
      'the file is not a PyTorch file: it looks like a JSON file; import it as a surrogate JSON file instead'
    ],
    [
      'random bytes',
      Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      'the file is not a PyTorch file: it starts with the bytes 01 02 03 04 05 06 07 08, which neither a zip archive nor a pickle does'
    ],
    [
      'a plain pickle',
      Uint8Array.from([0x80, 2, 0x4b, 7, 0x2e]),
      "the file is a Python pickle but not a torch.save file (it lacks torch's magic number)"
    ],
    [
      'a TorchScript archive',
      zipMembers({
        'model/constants.pkl': new Uint8Array([0x80, 2, 0x4e, 0x2e]),
        'model/code/__torch__.py': new Uint8Array(1)
      }),
      'this is a TorchScript archive (torch.jit.save), not a torch.save file of a brainspy-smg surrogate'
    ]
  ])('reports %s', (_, bytes, reason) => {
    expect(errorOf(() => importTorchSurrogate(bytes)).reason).toBe(reason)
  })

  it('reports the old tar format', () => {
    const tar = new Uint8Array(1024)
    tar.set(new TextEncoder().encode('sys_info'), 0)
    tar.set(new TextEncoder().encode('ustar'), 257)
    expect(errorOf(() => importTorchSurrogate(tar)).kind).toBe('unsupported')
  })

  it('wraps a non-byte-array input', () => {
    expect(errorOf(() => importTorchSurrogate('model.pt' as unknown as Uint8Array)).reason).toBe(
      'the input is not a byte array'
    )
  })
})
