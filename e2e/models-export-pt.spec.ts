// "Export as .pt" in the Models view: the download is the brainspy-smg torch.save file of the
// selected model, and importing it again gives a new model with the same weights.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { importTorchSurrogate } from '../src-main/core/torch-file'
import { expect, test } from './app-fixture'

const SMALL_TANH = join(
  resolve(import.meta.dirname, '..', 'src-main', 'core', 'torch-file', '__fixtures__'),
  'small-tanh.pt'
)

test('a model exported as .pt imports again with the same weights', async ({ app }) => {
  const page = app.page
  await page.getByTestId('nav-models').click()
  await expect(page.getByTestId('model-row')).toHaveCount(1)

  await page.getByTestId('model-file-input').setInputFiles(SMALL_TANH)
  await expect(page.getByTestId('import-result')).toContainText('Imported as model 1', { timeout: 30_000 })
  const detail = page.getByTestId('model-detail')
  await expect(detail).toHaveAttribute('data-model-id', '1')

  const downloading = page.waitForEvent('download')
  await detail.getByTestId('export-model-pt').click()
  const download = await downloading
  expect(download.suggestedFilename()).toBe('small-tanh.pt')
  const exportedPath = (await download.path())!
  const exported = importTorchSurrogate(readFileSync(exportedPath))
  const original = importTorchSurrogate(readFileSync(SMALL_TANH))
  expect(exported.warnings).toEqual([])
  expect(exported.definition.layers).toEqual(original.definition.layers)
  expect(exported.info).toEqual(original.info)

  // The downloaded file through the picker: a new model (another file), same structure.
  await page.getByTestId('model-file-input').setInputFiles({
    name: 'small-tanh-exported.pt',
    mimeType: 'application/octet-stream',
    buffer: readFileSync(exportedPath)
  })
  await expect(page.getByTestId('import-result')).toContainText('Imported as model 2', { timeout: 30_000 })
  await expect(page.getByTestId('model-row')).toHaveCount(3)
  await expect(detail.getByTestId('model-structure')).toHaveText('7 -> [16 x 2] -> 1, tanh')
})
