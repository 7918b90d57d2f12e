import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, test } from './app-fixture'
import type { Page } from '@playwright/test'

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null

/** The count before the slash of "12 / 40". */
async function stepsDone(page: Page, testid: string): Promise<number> {
  return Number((await page.getByTestId(testid).innerText()).split('/')[0])
}

/** Switches the form to gradient descent on the ring and sets a small, seeded run. */
async function setUpSmallRingRun(page: Page, epochs: number): Promise<void> {
  await page.getByTestId('nav-training').click()
  await page.getByTestId('algorithm-select').selectOption('gd')
  // Choosing the algorithm loads the ring preset.
  await expect(page.getByTestId('samples-input')).toHaveValue('1000')
  await expect(page.getByTestId('loss-select')).toHaveValue('fisher')
  await page.getByTestId('samples-input').fill('300')
  await page.getByTestId('epochs-input').fill(String(epochs))
  await page.getByTestId('seed-input').fill('1')
  await expect(page.getByTestId('split-counts')).toHaveText(
    'fractions of the points: 210 train, 45 validation, 45 test'
  )
}

test('a GD ring run completes with its accuracy and is in History with its loss chart', async ({ app, appMode }) => {
  const page = app.page
  await setUpSmallRingRun(page, 20)
  await page.getByTestId('start-training').click()

  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  await expect(page.getByTestId('epoch-count')).toHaveText('20 / 20')
  await expect(page.getByTestId('loss-chart').locator('canvas')).toHaveCount(1)
  await expect(page.getByTestId('class-output-chart').locator('canvas')).toHaveCount(1)
  await expect(page.getByTestId('control-voltages')).toContainText('V')
  const testAccuracy = await page.getByTestId('accuracy-test').innerText()
  // `dnpu train gd --samples 300 --epochs 20 --seed 1` separates the test points completely.
  expect(testAccuracy).toBe('100.0 %')
  await expect(page.getByTestId('accuracy-train')).toHaveText(/^\d+\.\d %$/)
  await expect(page.getByTestId('accuracy-validation')).toHaveText(/^\d+\.\d %$/)
  if (screenshotFolder && appMode === 'browser') {
    mkdirSync(screenshotFolder, { recursive: true })
    // The form from its top: the algorithm and task choice.
    await page.getByTestId('algorithm-select').scrollIntoViewIfNeeded()
    await page.screenshot({ path: resolve(screenshotFolder, 'training-gd.png'), fullPage: true })
  }

  await page.getByTestId('nav-history').click()
  const row = page.getByTestId('run-row').first()
  await expect(row).toContainText('GD')
  await expect(row).toContainText('ring')
  await expect(row).toContainText('completed')
  await expect(row.getByTestId('run-accuracy')).toHaveText(testAccuracy)
  await row.click()
  const detail = page.getByTestId('run-detail')
  await expect(detail.getByTestId('run-epochs')).toHaveText('20 of 20')
  await expect(detail.getByTestId('loss-chart').locator('canvas')).toHaveCount(1)
  await expect(detail.getByTestId('class-output-chart').locator('canvas')).toHaveCount(1)
  await expect(detail.getByTestId('accuracy-test')).toHaveText(testAccuracy)
  await expect(detail.getByTestId('control-voltages')).toContainText('V')
  await expect(detail.getByTestId('resume-run')).toHaveCount(0)
})

test('a stopped GA run resumes from History in the same run and completes', async ({ app }) => {
  const page = app.page
  await page.getByTestId('nav-training').click()
  // A threshold above 1 is never reached: the run goes to its last generation unless stopped.
  // A large pool (1000 genomes) makes each generation take milliseconds: the XOR preset's
  // sub-millisecond generations could all be done before the Stop click arrives.
  await page.getByTestId('generations-input').fill('300')
  await page.getByTestId('elite-input').fill('500')
  await page.getByTestId('offspring-input').fill('500')
  await page.getByTestId('stop-threshold-input').fill('1.5')
  await page.getByTestId('seed-input').fill('3')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('generation-count')).toHaveText(/^([3-9]|\d{2,}) \/ 300$/, { timeout: 30_000 })
  await page.getByTestId('stop-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 30_000 })
  const stoppedAt = await stepsDone(page, 'generation-count')
  expect(stoppedAt).toBeLessThan(300)
  // The Training view offers it too; this test resumes from History.
  await expect(page.getByTestId('resume-run')).toBeVisible()

  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row')).toHaveCount(1)
  await page.getByTestId('run-row').first().click()
  await expect(page.getByTestId('detail-status')).toHaveText('stopped')
  await expect(page.getByTestId('fitness-chart').locator('canvas')).toHaveCount(1)
  await page.getByTestId('resume-run').click()

  // Resume shows the run live in Training: the same run, its history going on.
  await expect(page.getByTestId('nav-training')).toHaveAttribute('aria-current', 'page')
  await expect(page.getByText('Run #1', { exact: true })).toBeVisible()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 90_000 })
  await expect(page.getByTestId('generation-count')).toHaveText('300 / 300')
  await expect(page.getByTestId('resume-run')).toHaveCount(0)

  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row')).toHaveCount(1)
  await expect(page.getByTestId('run-row').first()).toContainText('completed')
  await page.getByTestId('run-row').first().click()
  await expect(page.getByTestId('run-detail')).toContainText('300 of 300')
})

test('a paused run stays paused through a reload, continues, and a stopped GD run resumes from Training', async ({
  app
}) => {
  const page = app.page
  // 3000 short epochs (~15 s) leave room to pause and stop by hand before the run ends.
  test.setTimeout(240_000)
  await setUpSmallRingRun(page, 3000)
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('epoch-count')).toHaveText(/^([1-9]|\d{2,}) \/ 3000$/, { timeout: 60_000 })
  await page.getByTestId('pause-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 30_000 })
  await expect(page.getByTestId('continue-training')).toBeEnabled()
  const pausedAt = await stepsDone(page, 'epoch-count')

  // A reloaded page picks the paused run up again, paused, and it has not moved meanwhile.
  await page.reload()
  await page.getByTestId('nav-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 30_000 })
  await expect(page.getByTestId('epoch-count')).toHaveText(`${pausedAt} / 3000`)
  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row').first()).toContainText('paused')
  await page.getByTestId('nav-training').click()

  await page.getByTestId('continue-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('running')
  await expect(page.getByTestId('epoch-count')).not.toHaveText(`${pausedAt} / 3000`, { timeout: 60_000 })
  await page.getByTestId('stop-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 30_000 })
  const stoppedAt = await stepsDone(page, 'epoch-count')
  expect(stoppedAt).toBeGreaterThan(pausedAt)
  expect(stoppedAt).toBeLessThan(3000)

  await page.getByTestId('resume-run').click()
  await expect(page.getByTestId('run-status')).toHaveText(/running|completed/)
  await expect(page.getByText('Run #1', { exact: true })).toBeVisible()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 180_000 })
  await expect(page.getByTestId('epoch-count')).toHaveText('3000 / 3000')
  await expect(page.getByTestId('accuracy-test')).toHaveText(/^\d+\.\d %$/)
  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row')).toHaveCount(1)
})
