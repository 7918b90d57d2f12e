/**
 * The Sampling view in browser mode on the built-in simulated instrument: Start is disabled
 * with the reason until the device is connected and calibrated; then a 20 s session (simulated
 * time; the built-in simulator plays faster than real time) runs to completion with its
 * progress and live plot, and the dataset shows complete in the table with its sample count and
 * a link to train a surrogate on it.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './app-fixture'
import { calibrateConnectedDevice, connectBuiltInSimulator } from './device-steps'

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null

async function screenshot(page: Page, name: string): Promise<void> {
  const folder = screenshotFolder!
  const viewport = page.viewportSize()!
  await page.setViewportSize({ width: 1280, height: 1250 })
  await page.locator('main').evaluate((m) => m.scrollTo(0, 0))
  await page.mouse.move(0, 0)
  mkdirSync(folder, { recursive: true })
  await page.screenshot({ path: resolve(folder, name) })
  await page.setViewportSize(viewport)
}

test('samples the simulated device into a dataset from the Sampling view', async ({ app, appMode }) => {
  test.setTimeout(300_000)
  const page = app.page
  await page.getByTestId('nav-sampling').click()
  await expect(page).toHaveURL(/#sampling$/)
  await expect(page.getByTestId('no-datasets')).toBeVisible()
  await expect(page.getByTestId('start-sampling')).toBeDisabled()
  await expect(page.getByTestId('start-disabled-reason')).toContainText('no instrument is connected')

  // Connect the built-in simulated instrument and calibrate it.
  await connectBuiltInSimulator(page)
  await page.getByTestId('nav-sampling').click()
  await expect(page.getByTestId('start-disabled-reason')).toContainText('has no calibration')
  await calibrateConnectedDevice(page, 4)

  // The plan, then a 20 s session to completion.
  await page.getByTestId('nav-sampling').click()
  await page.getByTestId('sampling-duration').fill('20')
  await expect(page.getByTestId('plan-chunks')).toHaveText('40 of 500 samples')
  await expect(page.getByTestId('plan-samples')).toHaveText('20000 at 1000 Hz')
  await expect(page.getByTestId('start-disabled-reason')).toHaveCount(0)
  await page.getByTestId('start-sampling').click()
  await expect(page.getByTestId('sampling-progress')).toBeVisible()
  await expect(page.getByTestId('sampling-chunk-charts')).toBeVisible({ timeout: 60_000 })
  // Mid-session: another session is refused while this one holds the device.
  await expect(page.getByTestId('start-sampling')).toBeDisabled()
  if (screenshotFolder && appMode === 'browser') await screenshot(page, 'sampling.png')

  const row = page.locator('[data-testid="dataset-row"][data-dataset-id="1"]')
  await expect(row).toHaveAttribute('data-status', 'complete', { timeout: 120_000 })
  await expect(page.getByTestId('sampling-ending')).toContainText('Dataset 1 is complete')
  await expect(row.getByTestId('dataset-samples')).toHaveText('20000')
  await expect(row.getByTestId('train-surrogate-link')).toHaveAttribute('href', '#models?train=1')
  await expect(page.getByTestId('sampling-progress')).toHaveCount(0)
  await expect(page.getByTestId('start-sampling')).toBeEnabled()
})
