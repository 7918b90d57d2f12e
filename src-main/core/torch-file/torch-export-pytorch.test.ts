// The exported .pt checked by PyTorch itself (scripts/torch-check.py): loaded with torch.load,
// rebuilt as brainspy's nn.Sequential with load_state_dict(strict=True), and run on the same rows
// as our model. Skipped, with the reason in its name, where no Python has torch (Debian:
// apt-get install python3-torch; DNPU_TORCH_PYTHON names another interpreter).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { SurrogateDefinition } from '../surrogate-definition.js'
import { SurrogateModel } from '../surrogate.js'
import { importTorchSurrogate } from './brainspy-surrogate.js'
import { writeTorchSurrogate } from './torch-save-writer.js'
import { readFixture } from './__fixtures__/read-fixture.js'

const CHECK_SCRIPT = fileURLToPath(new URL('../../../scripts/torch-check.py', import.meta.url))
const RELATIVE_TOLERANCE = 1e-5

function findTorchPython(): string | null {
  const candidates = [process.env['DNPU_TORCH_PYTHON'], 'python3', '/usr/bin/python3'].filter(
    (candidate): candidate is string => Boolean(candidate)
  )
  return (
    candidates.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null
  )
}

const python = findTorchPython()
const folder = mkdtempSync(join(tmpdir(), 'dnpu-torch-check-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

interface TorchCheck {
  torchVersion: string
  weightsOnly: boolean
  dtypes: string[]
  outputs: number[][]
}

function rowsFor(definition: SurrogateDefinition): number[][] {
  const fractions = [0, 1, 0.5, 0.13, 0.77, 0.31, 0.9]
  return fractions.map((f, row) =>
    definition.voltageRangesVolts.map(([lo, hi], e) => lo + (hi - lo) * ((f + 0.23 * e * row) % 1))
  )
}

const title = python
  ? 'torch.load reads the exported %s and gives our outputs (PyTorch via ' + python + ')'
  : 'torch.load reads the exported %s (skipped: no python3 with torch; apt-get install python3-torch)'

describe('the exported .pt in PyTorch', () => {
  it.skipIf(python === null).each(['demo-surrogate.pt', 'small-elu.pt', 'small-tanh.pt'])(
    title,
    async (fileName) => {
      const definition = importTorchSurrogate(readFixture(fileName)).definition
      const modelFile = join(folder, fileName)
      const inputsFile = join(folder, `${fileName}.inputs.json`)
      const rows = rowsFor(definition)
      writeFileSync(modelFile, writeTorchSurrogate(definition))
      writeFileSync(inputsFile, JSON.stringify(rows))

      const run = spawnSync(python!, [CHECK_SCRIPT, modelFile, inputsFile], { encoding: 'utf8' })
      expect(run.status, `torch-check.py failed:\n${run.stderr}`).toBe(0)
      const check = JSON.parse(run.stdout) as TorchCheck
      expect(check.dtypes).toEqual(['torch.float32'])
      // PyTorch < 2 has no weights-only reader for floats; the script then checks the pickle's
      // opcodes and globals against PyTorch 2's weights-only reader instead.
      expect(check.weightsOnly).toBe(Number(check.torchVersion.split('.')[0]) >= 2)

      const model = new SurrogateModel(definition)
      let ours: Float32Array
      try {
        ours = await model.forwardNanoamps(Float32Array.from(rows.flat()), rows.length)
      } finally {
        model.dispose()
      }
      const theirs = check.outputs.flat()
      expect(theirs).toHaveLength(ours.length)
      // Relative to the largest output, so values near 0 nA do not demand more than float32 has.
      const scale = Math.max(...theirs.map(Math.abs), 1e-12)
      theirs.forEach((want, i) => {
        expect(Math.abs(ours[i]! - want), `output ${i}: ours ${ours[i]} nA, PyTorch ${want} nA`).toBeLessThanOrEqual(
          RELATIVE_TOLERANCE * Math.max(Math.abs(want), scale)
        )
      })
    },
    60_000
  )
})
