/**
 * `dnpu runs report`, run as a user runs it (the built CLI in a child process on a fresh data
 * folder). `npm test` builds first; alone, run `npm run build` first.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dnpu, repoRoot } from './test-support'

let folder: string
const runIds: number[] = []

function trainGa(seed: number): number {
  const result = dnpu(
    ['train', 'ga', '--task', 'xor', '--generations', '3', '--seed', String(seed), '--stop-threshold', '1.5'].concat([
      '--json',
      '--data-dir',
      folder
    ])
  )
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return (JSON.parse(result.stdout) as { runId: number }).runId
}

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'out', 'main', 'cli.js'))) {
    throw new Error('the CLI is not built: run `npm run build` before these tests (npm test does)')
  }
  folder = mkdtempSync(join(tmpdir(), 'dnpu-report-'))
  runIds.push(trainGa(1), trainGa(2))
}, 120_000)

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true })
})

describe('dnpu runs report', () => {
  it("writes one run's report and says where", () => {
    const output = join(folder, 'one.html')
    const result = dnpu(['runs', 'report', String(runIds[0]), '--output', output, '--data-dir', folder])
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`wrote the report of run ${runIds[0]} to .*one\\.html \\(\\d+ bytes\\)`))
    const html = readFileSync(output, 'utf8')
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).toContain('data-chart="history-fitness"')
    expect(html).toContain('data-points="3"')
    expect(html).not.toMatch(/<script/i)
  })

  it('writes a comparison with --json and keeps an existing file unless --force', () => {
    const output = join(folder, 'two.html')
    const args = ['runs', 'report', ...runIds.map(String), '--output', output, '--data-dir', folder, '--json']
    const result = dnpu(args)
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const json = JSON.parse(result.stdout) as { output: string; fileName: string; runIds: number[]; bytes: number }
    expect(json).toEqual({
      output,
      fileName: `dnpu-runs-${runIds.join('-')}.html`,
      runIds,
      bytes: Buffer.byteLength(readFileSync(output, 'utf8'))
    })
    expect(readFileSync(output, 'utf8').match(/<section class="run per-run"/g)).toHaveLength(2)

    writeFileSync(output, 'keep me')
    const again = dnpu(args)
    expect(again.status).toBe(2)
    expect(again.stderr).toContain('already exists; not overwriting it (add --force to replace it)')
    expect(readFileSync(output, 'utf8')).toBe('keep me')
    expect(dnpu([...args, '--force']).status).toBe(0)
    expect(readFileSync(output, 'utf8')).toContain('<!DOCTYPE html>')
  })

  it('refuses bad ids (2), an unknown run (2) and an unwritable file (1), naming them', () => {
    const output = join(folder, 'bad.html')
    const bad = dnpu(['runs', 'report', 'abc', '--output', output, '--data-dir', folder])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('runs report: a run id must be a whole number from 1, got "abc"')
    const twice = dnpu(['runs', 'report', '1', '1', '--output', output, '--data-dir', folder])
    expect(twice.status).toBe(2)
    expect(twice.stderr).toContain('run 1 given more than once')
    const seven = dnpu(['runs', 'report', '1', '2', '3', '4', '5', '6', '7', '--output', output, '--data-dir', folder])
    expect(seven.status).toBe(2)
    expect(seven.stderr).toMatch(/2 to 6/)
    const unknown = dnpu(['runs', 'report', '999', '--output', output, '--data-dir', folder])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('runs report: no run 999 in')
    const missing = dnpu(['runs', 'report', String(runIds[0]), '--data-dir', folder])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('--output')
    const unwritable = dnpu([
      'runs',
      'report',
      String(runIds[0]),
      '--output',
      join(folder, 'no', 'such', 'dir.html'),
      '--data-dir',
      folder
    ])
    expect(unwritable.status).toBe(1)
    expect(unwritable.stderr).toContain('runs report: cannot write')
    expect(existsSync(output)).toBe(false)
  })
})
