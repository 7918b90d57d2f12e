/**
 * Runs shared between two lab PCs as one `.dnpurun` file: a run made and bundled by the CLI on one
 * data folder (the first PC) is imported through History's import button into the app's own
 * (the second PC), with its tag and notes; importing it again adds nothing; the History's export
 * button gives a bundle the first PC recognises as the same run (nothing added there either).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from './app-fixture'

const repoRoot = resolve(import.meta.dirname, '..')

function dnpu(dataFolder: string, ...args: string[]): string {
  return execFileSync(process.execPath, [resolve(repoRoot, 'bin', 'dnpu.js'), ...args, '--data-dir', dataFolder], {
    cwd: repoRoot,
    encoding: 'utf8'
  })
}

test('a bundle made on one PC imports through History once, and its export is the same run', async ({ app }) => {
  const firstPc = mkdtempSync(join(tmpdir(), 'dnpu-bundle-first-pc-'))
  try {
    const trained = JSON.parse(
      dnpu(firstPc, 'train', 'ga', '--task', 'xor', '--seed', '7', '--generations', '2', '--workers', '1', '--json')
    ) as { runId: number }
    dnpu(firstPc, 'runs', 'tag', String(trained.runId), '--add', 'shared')
    dnpu(firstPc, 'runs', 'note', String(trained.runId), '--text', 'made on the first PC')
    const bundle = join(firstPc, 'xor.dnpurun')
    dnpu(firstPc, 'runs', 'bundle', 'export', String(trained.runId), '--output', bundle)

    const page = app.page
    await page.getByTestId('nav-history').click()
    await expect(page.getByTestId('history-table')).toBeVisible()
    const rows = page.getByTestId('run-row')
    await expect(rows).toHaveCount(0)

    const importInput = page.getByTestId('import-bundle-input')
    await importInput.setInputFiles(bundle)
    await expect(page.getByTestId('history-notice')).toHaveText('Imported 1 run.')
    await expect(rows).toHaveCount(1)
    await rows.first().click()
    const detail = page.getByTestId('run-detail')
    await expect(detail.getByTestId('run-tag')).toHaveText(['shared×'])
    await expect(detail.getByTestId('run-notes')).toHaveValue('made on the first PC')
    // The same history, value for value: the stored runs compared as `runs show --json` has them.
    const importedId = Number(await rows.first().getAttribute('data-run-id'))
    const shown = (folder: string, runId: number) =>
      JSON.parse(dnpu(folder, 'runs', 'show', String(runId), '--json')) as { history: unknown; seed: number }
    const original = shown(firstPc, trained.runId)
    const imported = shown(app.dataFolder, importedId)
    expect(original.history).toMatchObject({ fitness: [expect.any(Number), expect.any(Number)] })
    expect(imported.history).toEqual(original.history)
    expect(imported.seed).toBe(7)
    await expect(rows.first().locator('td').filter({ hasText: /^2$/ })).toHaveCount(1)

    // The same file again: recognised by the run's uid, nothing added.
    await importInput.setInputFiles(bundle)
    await expect(page.getByTestId('history-notice')).toHaveText('Imported 0 runs (1 already here).')
    await expect(rows).toHaveCount(1)

    // Exported from this PC and taken back to the first: the same run, nothing added there.
    await rows.first().getByTestId('run-select').check()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-bundle').click()])
    expect(download.suggestedFilename()).toMatch(/^dnpu-run-\d+\.dnpurun$/)
    await expect(page.getByTestId('history-notice')).toContainText('Exported 1 run to ')
    const back = join(firstPc, 'back.dnpurun')
    await download.saveAs(back)
    const result = JSON.parse(dnpu(firstPc, 'runs', 'bundle', 'import', back, '--json')) as {
      runs: { runId: number; added: boolean }[]
    }
    expect(result.runs).toEqual([expect.objectContaining({ runId: trained.runId, added: false })])
  } finally {
    rmSync(firstPc, { recursive: true, force: true })
  }
})
