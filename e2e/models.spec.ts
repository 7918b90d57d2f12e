import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from '@playwright/test'
import { HOSTILE_FILES } from '../src-main/core/torch-file/__fixtures__/hostile-files'
import { expect, test } from './app-fixture'

const fixtures = resolve(import.meta.dirname, '..', 'src-main', 'core', 'torch-file', '__fixtures__')
const SMALL_TANH = join(fixtures, 'small-tanh.pt')
const DEFAULTS_MISSING = join(fixtures, 'defaults-missing.pt')
const SMALL_ELU = join(fixtures, 'small-elu.pt')

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null

let scratch: string
test.beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'dnpu-e2e-models-'))
})
test.afterEach(() => {
  rmSync(scratch, { recursive: true, force: true })
})

async function openModels(page: Page): Promise<void> {
  await page.getByTestId('nav-models').click()
  await expect(page.getByTestId('model-row')).not.toHaveCount(0)
}

/** Imports through the file picker and answers the new (or existing) model's id. */
async function importThroughPicker(page: Page, file: string): Promise<string> {
  await page.getByTestId('model-file-input').setInputFiles(file)
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 })
  const id = await page.getByTestId('model-detail').getAttribute('data-model-id')
  expect(id).not.toBeNull()
  return id!
}

test('imports lab files, shows their details and IV curves, and refuses a damaged file', async ({ app, appMode }) => {
  const page = app.page
  await openModels(page)

  // The bundled demo is listed and selected, with its curves.
  const rows = page.getByTestId('model-row')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toHaveAttribute('data-model-id', 'demo')
  await expect(rows.first()).toContainText('bundled')
  const detail = page.getByTestId('model-detail')
  await expect(detail).toHaveAttribute('data-model-id', 'demo')
  await expect(detail.getByTestId('model-structure')).toHaveText('7 -> [90 x 5] -> 1, relu')
  await expect(detail.getByTestId('iv-chart').locator('canvas')).toHaveCount(1)
  await expect(detail.getByTestId('rename-model')).toHaveCount(0)
  await expect(detail.getByTestId('delete-model')).toHaveCount(0)

  // A lab file through the picker: listed, selected, described, with its curves.
  const tanhId = await importThroughPicker(page, SMALL_TANH)
  await expect(page.getByTestId('import-result')).toContainText(`Imported as model ${tanhId}`)
  await expect(page.getByTestId('import-warnings')).toHaveCount(0)
  await expect(rows).toHaveCount(2)
  const tanhRow = page.locator(`[data-testid="model-row"][data-model-id="${tanhId}"]`)
  await expect(tanhRow).toContainText('small-tanh')
  await expect(tanhRow).toContainText('imported')
  await expect(tanhRow).toContainText('[16 x 2]')
  await expect(tanhRow).toContainText('small-tanh.pt')
  await expect(tanhRow).toHaveAttribute('aria-selected', 'true')
  await expect(detail.getByTestId('model-structure')).toHaveText('7 -> [16 x 2] -> 1, tanh')
  await expect(detail.getByTestId('model-clipping')).toHaveText('-50 to 50 nA')
  await expect(detail.getByTestId('model-amplification')).toHaveText('10')
  await expect(detail.getByTestId('voltage-ranges').locator('tbody tr')).toHaveCount(7)
  await expect(detail.getByTestId('voltage-ranges').locator('tbody tr').first()).toContainText('-0.550')
  await expect(detail.getByTestId('iv-chart').locator('canvas')).toHaveCount(1)
  await expect(detail.getByTestId('iv-chart')).toContainText('E6')
  if (screenshotFolder && appMode === 'browser') {
    // The demo's curves beside a lab file just imported; tall enough to show the whole chart.
    const viewport = page.viewportSize()
    await page.setViewportSize({ width: 1280, height: 1150 })
    await rows.first().click()
    await expect(detail).toHaveAttribute('data-model-id', 'demo')
    await expect(detail.getByTestId('iv-chart').locator('canvas')).toHaveCount(1)
    await page.mouse.move(0, 0)
    mkdirSync(screenshotFolder, { recursive: true })
    await page.screenshot({ path: resolve(screenshotFolder, 'models.png') })
    if (viewport) await page.setViewportSize(viewport)
    await tanhRow.click()
    await expect(detail).toHaveAttribute('data-model-id', tanhId)
  }

  // A file lacking settings: imported with the defaults it got, each one said.
  await page.getByTestId('import-name-input').fill('Chip 12, defaults')
  await importThroughPicker(page, DEFAULTS_MISSING)
  const warnings = page.getByTestId('import-warnings').locator('li')
  await expect(warnings).toHaveCount(2)
  await expect(warnings.nth(0)).toContainText('hidden_sizes is missing')
  await expect(warnings.nth(1)).toContainText('activation is missing')
  await expect(detail.getByTestId('model-warnings').locator('li')).toHaveCount(2)
  await expect(detail.getByTestId('model-name')).toHaveText('Chip 12, defaults')
  await expect(detail.getByTestId('model-structure')).toHaveText('7 -> [90 x 6] -> 1, relu')
  await expect(rows).toHaveCount(3)

  // A truncated file: main's reason, shown as is, and nothing added.
  const truncated = join(scratch, 'truncated.pt')
  writeFileSync(truncated, readFileSync(SMALL_TANH).subarray(0, 3000))
  await page.getByTestId('model-file-input').setInputFiles(truncated)
  await expect(page.getByTestId('import-error')).toContainText('truncated or damaged', { timeout: 30_000 })
  await expect(rows).toHaveCount(3)

  // The same file twice: the first import is named, nothing new stored.
  await page.getByTestId('model-file-input').setInputFiles(SMALL_TANH)
  await expect(page.getByTestId('import-result')).toContainText(`Already imported as model ${tanhId}`, {
    timeout: 30_000
  })
  await expect(page.getByTestId('import-error')).toHaveCount(0)
  await expect(rows).toHaveCount(3)

  // Drag and drop onto the drop zone.
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const transfer = new DataTransfer()
      transfer.items.add(new File([bytes], name))
      return transfer
    },
    { base64: readFileSync(SMALL_ELU).toString('base64'), name: 'small-elu.pt' }
  )
  const dropZone = page.getByTestId('model-drop-zone')
  await dropZone.dispatchEvent('dragenter', { dataTransfer })
  await dropZone.dispatchEvent('drop', { dataTransfer })
  await expect(page.getByTestId('import-result')).toContainText('Imported as model', { timeout: 30_000 })
  await expect(rows).toHaveCount(4)
  await expect(detail.getByTestId('model-name')).toHaveText('small-elu')

  // Export: a JSON download named by main, in the form the app reads back.
  await tanhRow.click()
  await expect(detail).toHaveAttribute('data-model-id', tanhId)
  const downloading = page.waitForEvent('download')
  await detail.getByTestId('export-model').click()
  const download = await downloading
  expect(download.suggestedFilename()).toBe('small-tanh.json')
  const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Record<string, unknown>
  expect(Object.keys(exported).sort()).toEqual(['activation', 'info', 'layers'])
  expect(exported.activation).toBe('tanh')
})

test('a hostile file is refused with the limit it hit, nothing is stored, and the app carries on', async ({ app }) => {
  const page = app.page
  await openModels(page)
  const rows = page.getByTestId('model-row')
  await expect(rows).toHaveCount(1)

  // 150 KB that inflate to a pickle of 150 M opcodes: it used to abort the app's main process.
  const flood = join(scratch, 'flood.pt')
  writeFileSync(flood, HOSTILE_FILES['none-flood'].build())
  await page.getByTestId('model-file-input').setInputFiles(flood)
  const refusal = page.getByRole('alert').filter({ has: page.getByTestId('import-error') })
  await expect(refusal).toContainText('flood.pt was not imported.', { timeout: 30_000 })
  await expect(page.getByTestId('import-error')).toContainText(
    'refused: archive/data.pkl is 150,000,003 bytes (limit: 67,108,864 (64 MiB) bytes per pickle)'
  )
  await expect(rows).toHaveCount(1)

  // Main still answers: the next file imports as usual.
  await importThroughPicker(page, SMALL_TANH)
  await expect(rows).toHaveCount(2)
})

test('a model used for training cannot be deleted, can be renamed and annotated, and an unused one is deleted', async ({
  app
}) => {
  const page = app.page
  await openModels(page)
  const tanhId = await importThroughPicker(page, SMALL_TANH)

  // "Use for training" opens Training with the model in the form.
  await page.getByTestId('use-for-training').click()
  await expect(page.getByTestId('model-select')).toHaveValue(tanhId)
  await page.getByTestId('generations-input').fill('5')
  await page.getByTestId('seed-input').fill('1')
  await page.getByTestId('stop-threshold-input').fill('1.5')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 })
  await expect(page.getByTestId('generation-count')).toHaveText('5 / 5')
  const runId = Number(/Run #(\d+)/.exec(await page.getByText(/^Run #\d+$/).innerText())![1])

  // Deleting it is refused with main's reason, naming the run.
  await page.getByTestId('nav-models').click()
  const row = page.locator(`[data-testid="model-row"][data-model-id="${tanhId}"]`)
  await row.click()
  const detail = page.getByTestId('model-detail')
  await expect(detail).toHaveAttribute('data-model-id', tanhId)
  await detail.getByTestId('delete-model').click()
  await detail.getByTestId('confirm-delete').click()
  await expect(detail.getByTestId('delete-error')).toContainText(`used by run ${runId}`)
  await expect(row).toHaveCount(1)
  await detail.getByTestId('cancel-delete').click()

  // Renamed inline; the new name shows in the table and in the training form.
  await detail.getByTestId('rename-model').click()
  await detail.getByTestId('rename-input').fill('Chip A (room temperature)')
  await detail.getByTestId('rename-input').press('Enter')
  await expect(detail.getByTestId('model-name')).toHaveText('Chip A (room temperature)')
  await expect(row).toContainText('Chip A (room temperature)')
  await page.getByTestId('nav-training').click()
  await expect(page.getByTestId('model-select').locator(`option[value="${tanhId}"]`)).toHaveText(
    'Chip A (room temperature)'
  )

  // Notes are edited in place and kept.
  await page.getByTestId('nav-models').click()
  await row.click()
  await detail.getByTestId('edit-notes').click()
  await detail.getByTestId('notes-input').fill('chip A, measured at 77 K')
  await detail.getByTestId('notes-save').click()
  await expect(detail.getByTestId('model-notes')).toHaveText('chip A, measured at 77 K')
  await page.reload()
  await page.getByTestId('nav-models').click()
  await page.locator(`[data-testid="model-row"][data-model-id="${tanhId}"]`).click()
  await expect(page.getByTestId('model-detail').getByTestId('model-notes')).toHaveText('chip A, measured at 77 K')

  // A model no run uses is deleted after the confirm step.
  await page.getByTestId('nav-models').click()
  const eluId = await importThroughPicker(page, SMALL_ELU)
  await detail.getByTestId('delete-model').click()
  await expect(page.locator(`[data-testid="model-row"][data-model-id="${eluId}"]`)).toHaveCount(1)
  await detail.getByTestId('confirm-delete').click()
  await expect(page.locator(`[data-testid="model-row"][data-model-id="${eluId}"]`)).toHaveCount(0)
  await expect(page.getByTestId('models-notice')).toContainText(`Model ${eluId} "small-elu" was deleted.`)
  await expect(page.getByTestId('model-row')).toHaveCount(2)
})

test('an imported model trains with gradient descent from the UI', async ({ app }) => {
  const page = app.page
  await openModels(page)
  const eluId = await importThroughPicker(page, SMALL_ELU)
  await page.getByTestId('use-for-training').click()
  await page.getByTestId('algorithm-select').selectOption('gd')
  await page.getByTestId('model-select').selectOption(eluId)
  await page.getByTestId('samples-input').fill('300')
  await page.getByTestId('epochs-input').fill('5')
  await page.getByTestId('seed-input').fill('1')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  await expect(page.getByTestId('epoch-count')).toHaveText('5 / 5')
  await expect(page.getByTestId('accuracy-test')).toHaveText(/^\d+\.\d %$/)
  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row').first()).toContainText('ring')
})

test("an imported model becomes the Simulated DNPU's device, with its own device profile", async ({ app }) => {
  const page = app.page
  await openModels(page)
  const id = await importThroughPicker(page, SMALL_ELU)
  await page.getByTestId('use-for-simulator').click()
  await expect(page.getByTestId('simulator-model-badge')).toBeVisible()
  // The model in the box cannot be deleted from under it.
  await page.getByTestId('delete-model').click()
  await page.getByTestId('confirm-delete').click()
  await expect(page.getByTestId('delete-error')).toContainText("Simulated DNPU's device")

  await page.getByTestId('nav-device').click()
  await expect(page.getByTestId('port-select').locator('option').first()).toContainText('small-elu')
  await page.getByTestId('connect-device').click()
  await expect(page.getByTestId('identity-serial')).toHaveText(`SIM-${id}`, { timeout: 30_000 })
})
