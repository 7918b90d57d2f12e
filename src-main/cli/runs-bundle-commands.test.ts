/**
 * `dnpu runs bundle export | import`, run as a user runs them (the built CLI in a child process,
 * `npm run build` first), between two data folders with real SQLite files. The source runs are
 * written through the store (training them would be slow).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunBundleImport } from '../../src-shared/ipc/run-sharing'
import type { RunDetail } from '../../src-shared/ipc'
import { HOSTILE_BUNDLES } from '../services/run-bundle/hostile-bundles'
import { makeSourceRuns, openFolderDatabase, portable, tableCounts } from '../services/run-bundle/test-support'
import { RunsRepository } from '../store'
import { sampleRun } from '../store/test-fixtures'
import { dnpu, useBuiltCli } from './test-support'

const freshDataFolder = useBuiltCli('dnpu-bundle-')

async function sourceFolder(): Promise<{ folder: string; ids: number[]; running: number }> {
  const folder = freshDataFolder()
  const source = await makeSourceRuns(folder)
  // Owned by this (live) test process, so the CLI leaves it running.
  const running = new RunsRepository(source.db).createRun(sampleRun())
  source.db.close()
  return { folder, ids: [source.gateRun, source.stoppedRun, source.deviceRun], running }
}

function showJson(folder: string, runId: number): RunDetail {
  const shown = dnpu(['runs', 'show', String(runId), '--json', '--data-dir', folder])
  expect(shown.status).toBe(0)
  return JSON.parse(shown.stdout) as RunDetail
}

async function countsOf(folder: string): Promise<Record<string, number>> {
  const db = await openFolderDatabase(folder)
  try {
    return tableCounts(db)
  } finally {
    db.close()
  }
}

describe('dnpu runs bundle', () => {
  it('exports runs to a file and imports them into another data folder, once', async () => {
    const { folder, ids } = await sourceFolder()
    const file = join(freshDataFolder(), 'shared.dnpurun')
    const exported = dnpu([
      'runs',
      'bundle',
      'export',
      ...ids.map(String),
      '--output',
      file,
      '--json',
      '--data-dir',
      folder
    ])
    expect(exported.stderr).toBe('')
    expect(exported.status).toBe(0)
    const bytes = readFileSync(file).length
    expect(JSON.parse(exported.stdout)).toEqual({ file, runIds: ids, runCount: 3, bytes })

    // An existing output file is kept unless --force (as `runs export`).
    const again = dnpu(['runs', 'bundle', 'export', String(ids[0]), '--output', file, '--data-dir', folder])
    expect(again.status).toBe(2)
    expect(again.stderr).toContain(`${file} already exists; not overwriting it (add --force to replace it)`)
    expect(readFileSync(file).length).toBe(bytes)

    const target = freshDataFolder()
    const imported = dnpu(['runs', 'bundle', 'import', file, '--json', '--data-dir', target])
    expect(imported.stderr).toBe('')
    expect(imported.status).toBe(0)
    const result = JSON.parse(imported.stdout) as RunBundleImport & { file: string }
    expect(result).toMatchObject({ file, runsAdded: 3, modelsAdded: 1, calibrationsAdded: 1 })
    for (const run of result.runs) {
      expect(portable(showJson(target, run.runId))).toEqual(portable(showJson(folder, run.bundleRunId)))
    }

    const counts = await countsOf(target)
    const twice = dnpu(['runs', 'bundle', 'import', file, '--data-dir', target])
    expect(twice.status).toBe(0)
    expect(twice.stdout).toMatch(/^imported .*: 0 runs added, 3 already here\n/)
    expect(twice.stdout).toContain('models: 0 added, 1 already here; calibrations: 0 added, 1 already here')
    expect(await countsOf(target)).toEqual(counts)
  })

  it('refuses a running run (exit 1) and an unknown one (exit 2), writing no file', async () => {
    const { folder, ids, running } = await sourceFolder()
    const file = join(freshDataFolder(), 'refused.dnpurun')
    const busy = dnpu([
      'runs',
      'bundle',
      'export',
      String(ids[0]),
      String(running),
      '--output',
      file,
      '--data-dir',
      folder
    ])
    expect(busy.status).toBe(1)
    expect(busy.stderr).toContain(`run #${running} is still running`)
    const unknown = dnpu(['runs', 'bundle', 'export', '999', '--output', file, '--data-dir', folder])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('run #999: there is no such run')
    expect(dnpu(['runs', 'bundle', 'export', 'x', '--output', file, '--data-dir', folder]).status).toBe(2)
    expect(existsSync(file)).toBe(false)
    const missing = dnpu(['runs', 'bundle', 'import', join(folder, 'nothing.dnpurun'), '--data-dir', folder])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('cannot read')
  })

  it('refuses every hostile bundle with exit code 2, naming the problem, and leaves the database unchanged', async () => {
    const { folder, ids } = await sourceFolder()
    const valid = join(freshDataFolder(), 'valid.dnpurun')
    expect(
      dnpu([
        'runs',
        'bundle',
        'export',
        ids[0]!.toString(),
        ids[2]!.toString(),
        '--output',
        valid,
        '--data-dir',
        folder
      ]).status
    ).toBe(0)
    const target = freshDataFolder()
    expect(dnpu(['runs', 'list', '--data-dir', target]).status).toBe(0)
    const before = await countsOf(target)
    const hostileFolder = freshDataFolder()
    for (const [name, { bundle, error }] of Object.entries(HOSTILE_BUNDLES)) {
      const file = join(hostileFolder, `${name.replace(/[^a-z]+/g, '-')}.dnpurun`)
      writeFileSync(file, bundle(readFileSync(valid)))
      const result = dnpu(['runs', 'bundle', 'import', file, '--json', '--data-dir', target])
      expect({ name, status: result.status, stdout: result.stdout }).toEqual({ name, status: 2, stdout: '' })
      expect(result.stderr).toMatch(error)
    }
    expect(await countsOf(target)).toEqual(before)
  })

  it('imports a stopped GA run that resumes on the second PC as it would have on the first', () => {
    const ga = [
      'train',
      'ga',
      '--task',
      'xor',
      '--seed',
      '5',
      '--generations',
      '6',
      '--stop-threshold',
      '1.5',
      '--noise-std',
      '1.5'
    ]
    const trained = (folder: string, args: string[]) => {
      const result = dnpu([...args, '--json', '--data-dir', folder])
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      return JSON.parse(result.stdout) as Record<string, unknown>
    }
    const source = freshDataFolder()
    const stopped = trained(source, [...ga, '--stop-after', '3'])
    expect(stopped).toMatchObject({ status: 'stopped', generations: 3 })
    const file = join(freshDataFolder(), 'stopped.dnpurun')
    expect(
      dnpu(['runs', 'bundle', 'export', String(stopped.runId), '--output', file, '--data-dir', source]).status
    ).toBe(0)
    const target = freshDataFolder()
    const imported = dnpu(['runs', 'bundle', 'import', file, '--json', '--data-dir', target])
    expect(imported.status).toBe(0)
    const runId = (JSON.parse(imported.stdout) as RunBundleImport).runs[0]!.runId
    const resumedThere = trained(target, ['runs', 'resume', String(runId)])
    const resumedHere = trained(source, ['runs', 'resume', String(stopped.runId)])
    const { runId: _there, seconds: _s1, ...there } = resumedThere
    const { runId: _here, seconds: _s2, ...here } = resumedHere
    expect(there).toEqual(here)
    expect(there).toMatchObject({ status: 'completed' })
  })
})
