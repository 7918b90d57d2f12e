/**
 * `dnpu models export` through the built CLI: the .pt it writes imports back as the same model,
 * and bad input ends with exit code 2, a failed write with 1. `npm run build` first (npm test does).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importTorchSurrogate, parseSurrogateJson } from '../core'
import { dnpu, repoRoot, useBuiltCli } from './test-support'

const fixtures = resolve(repoRoot, 'src-main', 'core', 'torch-file', '__fixtures__')
const freshDataFolder = useBuiltCli('dnpu-models-export-')

describe('dnpu models export', () => {
  it('writes an imported model as a .pt that imports as the same model, and as JSON', () => {
    const folder = freshDataFolder()
    const source = join(fixtures, 'small-tanh.pt')
    expect(dnpu(['models', 'import', source, '--data-dir', folder]).status).toBe(0)

    const output = join(folder, 'chip.pt')
    const exported = dnpu(['models', 'export', '1', '--output', output, '--json', '--data-dir', folder])
    expect(exported.status, exported.stderr).toBe(0)
    const bytes = readFileSync(output)
    expect(JSON.parse(exported.stdout)).toEqual({ file: output, modelId: '1', format: 'pt', bytes: bytes.length })
    const original = importTorchSurrogate(readFileSync(source)).definition
    const again = importTorchSurrogate(bytes)
    expect(again.warnings).toEqual([])
    expect(again.definition.layers.map((layer) => Float32Array.from(layer.weight.flat()))).toEqual(
      original.layers.map((layer) => Float32Array.from(layer.weight.flat()))
    )
    expect(again.definition.info).toEqual(original.info)

    // Imported through the CLI, the exported file is a new model that evaluates as the old one.
    const reimported = dnpu(['models', 'import', output, '--json', '--data-dir', folder])
    expect(reimported.status, reimported.stderr).toBe(0)
    expect(JSON.parse(reimported.stdout)).toMatchObject({ id: '2', alreadyImported: false, warnings: [] })
    const inputs = join(folder, 'inputs.json')
    writeFileSync(inputs, JSON.stringify([[0.1, -0.2, 0.3, 0, -0.4, 0.2, 0.1]]))
    const evaluate = (id: string) =>
      JSON.parse(dnpu(['models', 'eval', id, '--inputs', inputs, '--json', '--data-dir', folder]).stdout) as unknown
    expect(evaluate('2')).toEqual(evaluate('1'))

    const jsonFile = join(folder, 'chip.json')
    const asJson = dnpu(['models', 'export', 'demo', '--format', 'json', '--output', jsonFile, '--data-dir', folder])
    expect(asJson.status, asJson.stderr).toBe(0)
    expect(asJson.stdout).toMatch(/^wrote model demo as json \([\d,]+ bytes\) to /)
    expect(parseSurrogateJson(JSON.parse(readFileSync(jsonFile, 'utf8'))).hiddenSizes).toEqual([90, 90, 90, 90, 90])
  })

  it('keeps an existing file unless --force, and names bad input (exit 2)', () => {
    const folder = freshDataFolder()
    const output = join(folder, 'taken.pt')
    writeFileSync(output, 'keep me')
    const kept = dnpu(['models', 'export', 'demo', '--output', output, '--data-dir', folder])
    expect(kept.status).toBe(2)
    expect(kept.stderr).toContain(`${output} already exists; not overwriting it (add --force to replace it)`)
    expect(readFileSync(output, 'utf8')).toBe('keep me')
    const forced = dnpu(['models', 'export', 'demo', '--output', output, '--force', '--data-dir', folder])
    expect(forced.status, forced.stderr).toBe(0)
    expect(importTorchSurrogate(readFileSync(output)).definition.inputCount).toBe(7)

    const unknown = dnpu(['models', 'export', '9', '--output', join(folder, 'x.pt'), '--data-dir', folder])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('no model "9"')
    const format = dnpu([
      'models',
      'export',
      'demo',
      '--format',
      'onnx',
      '--output',
      join(folder, 'x'),
      '--data-dir',
      folder
    ])
    expect(format.status).toBe(2)
    expect(format.stderr).toContain('--format must be pt or json, got "onnx"')
    expect(existsSync(join(folder, 'x.pt'))).toBe(false)
  })

  it('ends with exit code 1 when the file cannot be written', () => {
    const folder = freshDataFolder()
    const notAFolder = join(folder, 'file')
    writeFileSync(notAFolder, '')
    const failed = dnpu(['models', 'export', 'demo', '--output', join(notAFolder, 'model.pt'), '--data-dir', folder])
    expect(failed.status).toBe(1)
    expect(failed.stderr).toContain(`cannot write ${join(notAFolder, 'model.pt')}`)
  })
})
