// Hostile files (floods, bombs, huge claims, deep nesting, self-references) must each be refused
// with a message naming the limit it hit and the value, never abort, hang or eat the machine.
// The CLI and upload paths run the same files end to end (cli/hostile-import.test.ts,
// services/hostile-upload.test.ts).
import { describe, expect, it } from 'vitest'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { TORCH_FILE_LIMITS } from './torch-file-limits.js'
import { HOSTILE_FILES } from './__fixtures__/hostile-files.js'
import { errorOf } from './__fixtures__/error-of.js'
import { readFixture } from './__fixtures__/read-fixture.js'
import { MAX_MODEL_FILE_BYTES } from '../../../src-shared/ipc/index.js'

describe('hostile files', () => {
  it.each(Object.entries(HOSTILE_FILES))('refuses %s, naming the limit', (_, hostile) => {
    const bytes = hostile.build()
    // Small files: the harm is in what they unpack to or claim, not in their size (the legacy
    // format has no compression, so its floods take a byte per opcode).
    expect(bytes.length).toBeLessThan(16 * 1024 * 1024)
    const error = errorOf(() => importTorchSurrogate(bytes))
    expect(error.kind, error.message).not.toBe('internal')
    expect(error.reason).toMatch(hostile.refusal)
  })
})

describe('the limits', () => {
  it('leave the largest real surrogates far inside every bound', () => {
    // The demo (7 inputs, 5 x 90 hidden) is read with room to spare; 6 x 90 hidden is ~41,000
    // weights, a hundredth of the tensor element limit.
    expect(importTorchSurrogate(readFixture('demo-surrogate.pt')).definition.hiddenSizes).toEqual([90, 90, 90, 90, 90])
    expect(7 * 90 + 5 * 90 * 90 + 90 + 6 * 90 + 1).toBeLessThan(TORCH_FILE_LIMITS.tensorElements / 100)
  })

  it('accept the same file size as an upload through the contract', () => {
    expect(TORCH_FILE_LIMITS.fileBytes).toBe(MAX_MODEL_FILE_BYTES)
  })
})
