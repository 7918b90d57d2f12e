/**
 * From a new device to a trained surrogate, all in the app (issue 13's path): the built-in
 * simulated instrument (playing the demo model as the device) is connected and calibrated,
 * sampled for 120 s of simulated time in the Sampling view, and the dataset's "Train a surrogate"
 * link opens the Models panel on it; a small net is trained there, the test figures show
 * (correlation with the device's output at least 0.98), the new model is listed as 'trained',
 * History's rerun brings its settings back to the form, and a GA XOR run on that model completes.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, test } from './app-fixture'
import { calibrateConnectedDevice, connectBuiltInSimulator } from './device-steps'

const repoRoot = resolve(import.meta.dirname, '..')
const screenshotFolder = process.env.UPDATE_SCREENSHOTS ? resolve(repoRoot, 'docs', 'screenshots') : null

test('samples the device, trains a surrogate on the dataset in the Models view, then XOR on the new model', async ({
  app,
  appMode
}) => {
  test.setTimeout(400_000)
  const page = app.page

  // Connect the built-in simulated instrument and calibrate it.
  await connectBuiltInSimulator(page)
  await calibrateConnectedDevice(page, 6)

  // Sample 120 s of simulated time.
  await page.getByTestId('nav-sampling').click()
  await page.getByTestId('sampling-duration').fill('120')
  await expect(page.getByTestId('start-disabled-reason')).toHaveCount(0)
  await page.getByTestId('start-sampling').click()
  const datasetRow = page.locator('[data-testid="dataset-row"][data-dataset-id="1"]')
  await expect(datasetRow).toHaveAttribute('data-status', 'complete', { timeout: 240_000 })
  await datasetRow.getByTestId('train-surrogate-link').click()

  await expect(page).toHaveURL(/#models\?train=1$/)
  const panel = page.getByTestId('surrogate-train-panel')
  await expect(panel).toBeVisible()
  await expect(page.getByTestId('surrogate-dataset')).toHaveValue('1')

  // A bad layer list is refused with the reason, before anything reaches main.
  await page.getByTestId('surrogate-hidden').fill('64,x')
  await page.getByTestId('surrogate-start').click()
  await expect(panel.getByText('"x" is not a whole number')).toBeVisible()

  await page.getByTestId('surrogate-hidden').fill('64,64,64')
  await page.getByTestId('surrogate-epochs').fill('8')
  await page.getByTestId('surrogate-lr').fill('0.003')
  await page.getByTestId('surrogate-seed').fill('1')
  await page.getByTestId('surrogate-model-name').fill('Sampled in the app')
  await page.getByTestId('surrogate-start').click()

  await expect(page.getByTestId('surrogate-status')).toHaveText('completed', { timeout: 120_000 })
  await expect(page.getByTestId('surrogate-epoch-count')).toHaveText('8 / 8')
  await expect(page.getByTestId('surrogate-result')).toBeVisible()
  expect(Number(await page.getByTestId('surrogate-correlation').innerText())).toBeGreaterThanOrEqual(0.98)
  await expect(page.getByTestId('surrogate-rmse')).toContainText('nA')
  await expect(page.getByTestId('surrogate-rmse-relative')).toContainText('%')
  await expect(page.getByTestId('surrogate-scatter').locator('canvas')).toHaveCount(1)
  await expect(page.getByTestId('surrogate-iv-curves').locator('figure')).toHaveCount(7)
  await expect(page.getByTestId('surrogate-loss-chart').locator('canvas')).toHaveCount(1)

  // The new model is listed, selected, with its 'trained' badge.
  const row = page.getByTestId('model-row').filter({ hasText: 'Sampled in the app' })
  await expect(row.getByTestId('model-source')).toHaveText('trained')
  await expect(row).toHaveAttribute('aria-selected', 'true')
  const modelId = (await page.getByTestId('surrogate-trained-model').locator('code').innerText()).trim()

  if (screenshotFolder && appMode === 'browser') {
    mkdirSync(screenshotFolder, { recursive: true })
    // Tall enough for the whole panel (main scrolls inside the window).
    await page.setViewportSize({ width: 1280, height: 2700 })
    await page.mouse.move(0, 0)
    await page
      .getByTestId('surrogate-train-panel')
      .screenshot({ path: resolve(screenshotFolder, 'models-surrogate.png') })
  }

  // The run in History, with its losses and result.
  await page.getByTestId('surrogate-history-link').click()
  await expect(page.getByTestId('run-dataset')).toHaveText('1')
  await expect(page.getByTestId('surrogate-result')).toBeVisible()

  // New run from these settings: the Models form gets the whole config back, seed included.
  await page.getByTestId('rerun-run').click()
  await expect(page.getByTestId('surrogate-rerun-notice')).toContainText('Settings from run #1 (same seed)')
  await expect(page.getByTestId('surrogate-hidden')).toHaveValue('64,64,64')
  await expect(page.getByTestId('surrogate-epochs')).toHaveValue('8')
  await expect(page.getByTestId('surrogate-lr')).toHaveValue('0.003')
  await expect(page.getByTestId('surrogate-seed')).toHaveValue('1')
  await expect(page.getByTestId('surrogate-model-name')).toHaveValue('Sampled in the app')

  // XOR on the new model.
  await page.getByTestId('nav-training').click()
  await page.getByTestId('model-select').selectOption(modelId)
  await page.getByTestId('seed-input').fill('3')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
})
