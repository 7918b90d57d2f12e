/**
 * History as the lab notebook: server-side filters kept in the URL, annotations in place,
 * multi-select delete with its confirmation. Runs are made by the CLI on the test's own data
 * folder (a second writer on the same SQLite file, as a lab script would be): a few tiny GA runs
 * and one GD run, each a second or so.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './app-fixture'

const repoRoot = resolve(import.meta.dirname, '..')
const screenshotFolder = resolve(repoRoot, 'docs', 'screenshots')

function dnpu(dataFolder: string, ...args: string[]): string {
  return execFileSync(process.execPath, [resolve(repoRoot, 'bin', 'dnpu.js'), ...args, '--data-dir', dataFolder], {
    cwd: repoRoot,
    encoding: 'utf8'
  })
}

/** A finished GA run of two generations; answers its id. */
function trainGa(dataFolder: string, task: string, seed: number): number {
  const result = JSON.parse(
    dnpu(
      dataFolder,
      'train',
      'ga',
      '--task',
      task,
      '--seed',
      String(seed),
      '--generations',
      '2',
      '--workers',
      '1',
      '--json'
    )
  ) as { runId: number }
  return result.runId
}

function trainGd(dataFolder: string): number {
  const result = JSON.parse(
    dnpu(dataFolder, 'train', 'gd', '--epochs', '1', '--samples', '100', '--seed', '1', '--json')
  ) as { runId: number }
  return result.runId
}

function row(page: Page, runId: number) {
  return page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`)
}

async function openHistory(page: Page) {
  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('history-table')).toBeVisible()
}

test('filters narrow the list, live in the URL, survive another view and a reload; runs are annotated in place', async ({
  app,
  appMode
}) => {
  const xor = trainGa(app.dataFolder, 'xor', 1)
  const and = trainGa(app.dataFolder, 'and', 2)
  trainGa(app.dataFolder, 'or', 3)
  const gd = trainGd(app.dataFolder)
  // An existing tag, for the tag field's suggestions.
  dnpu(app.dataFolder, 'runs', 'tag', String(xor), '--add', 'baseline')

  let page = app.page
  await page.setViewportSize({ width: 1280, height: 800 })
  await openHistory(page)
  const rows = page.getByTestId('run-row')
  const total = page.getByTestId('history-total')
  await expect(rows).toHaveCount(4)
  await expect(total).toHaveText('4 runs')

  // By algorithm: the GD run goes, on the server (the total says so too).
  await page.getByTestId('filter-algorithm').selectOption('ga')
  await expect(rows).toHaveCount(3)
  await expect(total).toHaveText('3 runs')
  await expect(row(page, gd)).toHaveCount(0)
  expect(new URL(page.url()).hash).toBe('#history?algorithm=ga')

  // By free text (name, notes or task), searched while typing.
  await page.getByTestId('filter-text').fill('xor')
  await expect(rows).toHaveCount(1)
  await expect(total).toHaveText('1 run')
  await expect(row(page, xor)).toBeVisible()
  expect(new URL(page.url()).hash).toBe('#history?algorithm=ga&text=xor')

  // Another view and back: the same search.
  await page.getByTestId('nav-training').click()
  expect(new URL(page.url()).hash).toBe('#training')
  await openHistory(page)
  expect(new URL(page.url()).hash).toBe('#history?algorithm=ga&text=xor')
  await expect(rows).toHaveCount(1)
  await expect(page.getByTestId('filter-algorithm')).toHaveValue('ga')
  await expect(page.getByTestId('filter-text')).toHaveValue('xor')

  // A reload: the URL brings it back.
  await page.reload()
  await expect(page.getByTestId('history-table')).toBeVisible()
  await expect(rows).toHaveCount(1)
  await expect(total).toHaveText('1 run')
  await expect(page.getByTestId('filter-text')).toHaveValue('xor')

  await page.getByTestId('filter-clear').click()
  await expect(rows).toHaveCount(4)
  expect(new URL(page.url()).hash).toBe('#history')

  // Annotate the AND run in its detail.
  await row(page, and).click()
  const detail = page.getByTestId('run-detail')
  await expect(detail).toContainText(`Run #${and}`)
  // The tag field offers the tags in use.
  await expect(page.locator('#run-tag-suggestions option[value="baseline"]')).toHaveCount(1)
  const tagInput = detail.getByTestId('tag-input')
  await tagInput.fill('baseline')
  await tagInput.press('Enter')
  await expect(detail.getByTestId('run-tag')).toHaveText(['baseline×'])
  await tagInput.fill('gold')
  await tagInput.press('Enter')
  await expect(detail.getByTestId('run-tag')).toHaveCount(2)
  await expect(row(page, and).getByTestId('row-tag')).toHaveText(['baseline', 'gold'])
  // A tag the server refuses: its own words, nothing added.
  await tagInput.fill('bad/tag')
  await tagInput.press('Enter')
  await expect(detail.getByTestId('annotation-error')).toContainText('letters, digits')
  await expect(detail.getByTestId('run-tag')).toHaveCount(2)
  await tagInput.fill('')

  await detail.getByTestId('run-notes').fill('Lower mutation rate; converges in 2 generations on AND.')
  await detail.getByTestId('save-notes').click()
  await expect(detail.getByTestId('notes-saved-at')).toHaveText(/\d/)
  await expect(detail.getByTestId('save-notes')).toBeDisabled()

  await detail.getByTestId('run-star').click()
  await expect(detail.getByTestId('run-star')).toHaveAttribute('aria-pressed', 'true')
  await expect(row(page, and).getByTestId('row-star')).toHaveAttribute('aria-pressed', 'true')

  await detail.getByTestId('run-name').fill('AND, first try')
  await detail.getByTestId('run-name').press('Enter')
  await expect(row(page, and).getByTestId('row-name')).toHaveText('AND, first try')
  // The name is searched too.
  await page.getByTestId('filter-text').fill('first try')
  await expect(rows).toHaveCount(1)
  await page.getByTestId('filter-clear').click()
  await expect(rows).toHaveCount(4)

  // By tag: the filter's suggestions hold both tags.
  await expect(page.locator('#history-filter-tags option')).toHaveCount(2)
  await page.getByTestId('filter-tag').fill('gold')
  await page.getByTestId('filter-tag').blur()
  await expect(rows).toHaveCount(1)
  await expect(row(page, and)).toBeVisible()
  await page.getByTestId('filter-tag').fill('baseline')
  await page.getByTestId('filter-tag').blur()
  await expect(rows).toHaveCount(2)
  await expect(total).toHaveText('2 runs')

  // Starred only (with the tag still set: both must hold).
  await page.getByTestId('filter-starred').check()
  await expect(rows).toHaveCount(1)
  await expect(row(page, and)).toBeVisible()
  expect(new URL(page.url()).hash).toBe('#history?tag=baseline&starred=1')

  // Everything stored: a reload shows the same annotations.
  page = await app.restart().then(async (restarted) => {
    await restarted.setViewportSize({ width: 1280, height: 800 })
    return restarted
  })
  await openHistory(page)
  await page.getByTestId('filter-starred').check()
  await expect(page.getByTestId('run-row')).toHaveCount(1)
  await row(page, and).click()
  await expect(page.getByTestId('run-name')).toHaveValue('AND, first try')
  await expect(page.getByTestId('run-notes')).toHaveValue(/Lower mutation rate/)
  await page.getByTestId('filter-starred').uncheck()
  await expect(page.getByTestId('run-row')).toHaveCount(4)
  await page.getByTestId('filter-algorithm').selectOption('ga')
  await page.getByTestId('sort-key').selectOption('fitness')
  await expect(page.getByTestId('run-row')).toHaveCount(3)
  await page.getByTestId('run-row').nth(1).getByTestId('run-select').check()
  await page.getByTestId('run-row').nth(2).getByTestId('run-select').check()
  if (appMode === 'browser') {
    mkdirSync(screenshotFolder, { recursive: true })
    await page.screenshot({ path: resolve(screenshotFolder, 'history-notebook.png') })
  }
})

test('selected runs are deleted after a confirmation that names them; a running run is refused', async ({ app }) => {
  const first = trainGa(app.dataFolder, 'xor', 1)
  const second = trainGa(app.dataFolder, 'nand', 2)
  const kept = trainGa(app.dataFolder, 'or', 3)
  const page = app.page
  await openHistory(page)
  const rows = page.getByTestId('run-row')
  await expect(rows).toHaveCount(3)

  await row(page, first).getByTestId('run-select').check()
  await row(page, second).getByTestId('run-select').check()
  await expect(page.getByTestId('compare-selected')).toHaveText('Compare (2)')
  await expect(page.getByTestId('compare-selected')).toBeEnabled()

  await page.getByTestId('delete-selected').click()
  const dialog = page.getByTestId('confirm-delete')
  await expect(dialog).toContainText(`#${first}`)
  await expect(dialog).toContainText(`#${second}`)
  await expect(dialog).toContainText('nand')
  await expect(dialog).not.toContainText(`#${kept}`)
  await dialog.getByTestId('confirm-delete-cancel').click()
  await expect(dialog).toHaveCount(0)
  await expect(rows).toHaveCount(3)

  await page.getByTestId('delete-selected').click()
  await page.getByTestId('confirm-delete-ok').click()
  await expect(page.getByTestId('confirm-delete')).toHaveCount(0)
  await expect(rows).toHaveCount(1)
  await expect(row(page, kept)).toBeVisible()
  await expect(page.getByTestId('history-total')).toHaveText('1 run')
  await expect(page.getByTestId('history-notice')).toHaveText('Deleted 2 runs.')

  // A file that is not a bundle: refused in plain words, the list as it was.
  const importInput = page.getByTestId('import-bundle-input')
  await importInput.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') })
  await expect(page.getByTestId('history-notice')).toHaveText(
    'notes.txt could not be imported: notes.txt is not a run bundle (expected a .dnpurun file)'
  )
  await importInput.setInputFiles({
    name: 'junk.dnpurun',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('junk')
  })
  await expect(page.getByTestId('history-notice')).toContainText('junk.dnpurun could not be imported: ')
  await expect(rows).toHaveCount(1)

  // A run in progress: the server refuses it by id, and nothing is deleted.
  await page.getByTestId('nav-training').click()
  await page.getByTestId('generations-input').fill('100000')
  await page.getByTestId('stop-threshold-input').fill('1.5')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('running')
  await openHistory(page)
  await expect(rows).toHaveCount(2)
  await page.getByTestId('run-select-all').check()
  await page.getByTestId('delete-selected').click()
  await page.getByTestId('confirm-delete-ok').click()
  await expect(page.getByTestId('delete-error')).toContainText(/cannot delete run \d+: .*stop it first/)
  await page.getByTestId('confirm-delete-cancel').click()
  await expect(rows).toHaveCount(2)

  await page.getByTestId('nav-training').click()
  await page.getByTestId('stop-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 30_000 })

  // One run from its detail: the same confirmation, naming it.
  await openHistory(page)
  await row(page, kept).click()
  await page.getByTestId('run-detail').getByTestId('delete-run').click()
  await expect(page.getByTestId('confirm-delete')).toContainText(`#${kept}`)
  await expect(page.getByTestId('confirm-delete-run')).toHaveCount(1)
  await page.getByTestId('confirm-delete-ok').click()
  await expect(rows).toHaveCount(1)
  await expect(row(page, kept)).toHaveCount(0)
  await expect(page.getByTestId('run-detail')).toHaveCount(0)
})
