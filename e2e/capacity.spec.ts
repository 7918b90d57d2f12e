import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import type { CapacityAtN } from '../src-shared/ipc'
import { expect, test } from './app-fixture'

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null
const repoRoot = resolve(import.meta.dirname, '..')

interface Sweep {
  fromN: number
  toN: number
  attempts: number
  generations: number
  seed: number
}

/** `dnpu capacity ... --json` with the same settings, on a data folder of its own. */
function cliSweep(sweep: Sweep): { status: string; perN: CapacityAtN[] } {
  const dataFolder = mkdtempSync(join(tmpdir(), 'dnpu-e2e-cli-'))
  try {
    const args = [
      '--from',
      sweep.fromN,
      '--to',
      sweep.toN,
      '--attempts',
      sweep.attempts,
      '--generations',
      sweep.generations,
      '--seed',
      sweep.seed
    ].map(String)
    const result = spawnSync(
      process.execPath,
      [join(repoRoot, 'bin', 'dnpu.js'), 'capacity', ...args, '--json', '--data-dir', dataFolder],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 120_000
      }
    )
    if (result.status !== 0) throw new Error(`dnpu capacity exited with ${result.status}: ${result.stderr}`)
    return JSON.parse(result.stdout) as { status: string; perN: CapacityAtN[] }
  } finally {
    rmSync(dataFolder, { recursive: true, force: true })
  }
}

/** Switches the form to the capacity sweep (its preset first) and sets the sweep. */
async function setUpSweep(page: Page, sweep: Sweep): Promise<void> {
  await page.getByTestId('nav-training').click()
  await page.getByTestId('algorithm-select').selectOption('capacity')
  // Choosing the algorithm loads the sweep's preset: N 4 to 6.
  await expect(page.getByTestId('from-n-input')).toHaveValue('4')
  await expect(page.getByTestId('to-n-input')).toHaveValue('6')
  await expect(page.getByTestId('labeling-total')).toContainText('106 labelings to decide: 14 + 30 + 62')
  await page.getByTestId('from-n-input').fill(String(sweep.fromN))
  await page.getByTestId('to-n-input').fill(String(sweep.toN))
  await page.getByTestId('attempts-input').fill(String(sweep.attempts))
  await page.getByTestId('generations-input').fill(String(sweep.generations))
  await page.getByTestId('seed-input').fill(String(sweep.seed))
}

/** The count before the slash of "12 / 44". */
async function labelingsDone(page: Page): Promise<number> {
  return Number((await page.getByTestId('labeling-count').innerText()).split('/')[0])
}

/** Labelings of the sweep N 4 to 10: far more than a test waits for, so only Stop ends it. */
const LONG_SWEEP_LABELINGS = 2018

/** Waits for the running long sweep to pass `labelings`, stops it, and gives the count it stopped at. */
async function stopAfterMoreThan(page: Page, labelings: number): Promise<number> {
  await expect(page.getByTestId('run-status')).toHaveText('running')
  await expect(page.getByTestId('labeling-count')).not.toHaveText(`${labelings} / ${LONG_SWEEP_LABELINGS}`, {
    timeout: 60_000
  })
  await page.getByTestId('stop-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('stopped', { timeout: 30_000 })
  const stoppedAt = await labelingsDone(page)
  expect(stoppedAt).toBeGreaterThan(labelings)
  return stoppedAt
}

/**
 * The capacity the chart holds at an N: the cursor is put over that N and the legend read
 * (uPlot snaps the cursor to the nearest point).
 */
async function chartCapacityAt(chart: Locator, n: number, [fromN, toN]: [number, number]): Promise<string> {
  const plot = chart.locator('.u-over')
  const box = await plot.boundingBox()
  if (!box) throw new Error('the capacity chart has no plot area')
  // The x axis runs from fromN - 0.5 to toN + 0.5.
  const x = ((n - (fromN - 0.5)) / (toN - fromN + 1)) * box.width
  await plot.hover({ position: { x, y: box.height / 2 } })
  const legendRow = chart.locator('.u-legend .u-series').filter({ hasText: /^Capacity/ })
  return legendRow.locator('.u-value').innerText()
}

/** The table and the chart show the sweep's capacity per N exactly as `dnpu capacity` reports it. */
async function expectCapacityPerN(scope: Locator | Page, perN: CapacityAtN[], range: [number, number]): Promise<void> {
  const rows = scope.getByTestId('capacity-row')
  await expect(rows).toHaveCount(perN.length)
  for (const expected of perN) {
    const row = scope.locator(`[data-testid="capacity-row"][data-n="${expected.n}"]`)
    const count = (value: number) => value.toLocaleString('en-US')
    await expect(row.locator('td').nth(1)).toHaveText(`${count(expected.evaluated)} / ${count(expected.labelings)}`)
    await expect(row.locator('td').nth(2)).toHaveText(count(expected.found))
    await expect(row.getByTestId('capacity-value')).toHaveText(expected.capacity.toFixed(3))
    expect(await chartCapacityAt(scope.getByTestId('capacity-chart'), expected.n, range)).toBe(
      expected.capacity.toFixed(3)
    )
  }
}

test('a small capacity sweep completes with the capacity per N of `dnpu capacity` and is in History', async ({
  app,
  appMode
}) => {
  const page = app.page
  const sweep: Sweep = { fromN: 4, toN: 5, attempts: 1, generations: 5, seed: 1 }
  const range: [number, number] = [sweep.fromN, sweep.toN]
  await setUpSweep(page, sweep)
  await expect(page.getByTestId('labeling-total')).toContainText('44 labelings to decide: 14 + 30')
  await expect(page.getByTestId('labeling-total')).toContainText(
    'up to 1 attempt × 5 generations each: at most 220 generations'
  )

  // Every field goes through the one validation path, its error under the field.
  await page.getByTestId('to-n-input').fill('11')
  await expect(page.getByText('At most 10.')).toBeVisible()
  await expect(page.getByTestId('labeling-total')).toHaveCount(0)
  await page.getByTestId('to-n-input').fill(String(sweep.toN))
  await page.getByTestId('threshold-parameter-input').fill('4')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('training-error')).toContainText('Threshold parameter')
  await expect(page.getByText(/^Must be below from N/)).toBeVisible()
  await page.getByTestId('threshold-parameter-input').fill('0.5')
  await expect(page.getByTestId('training-error')).toHaveCount(0)

  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  await expect(page.getByTestId('labeling-count')).toHaveText('44 / 44')
  await expect(page.getByTestId('capacity-chart').locator('canvas')).toHaveCount(1)

  const cli = cliSweep(sweep)
  expect(cli.status).toBe('completed')
  await expectCapacityPerN(page, cli.perN, range)
  const found = cli.perN.reduce((sum, entry) => sum + entry.found, 0)
  await expect(page.getByTestId('found-count')).toHaveText(String(found))
  await expect(page.getByTestId('current-n')).toHaveText('—')
  if (screenshotFolder && appMode === 'browser') {
    mkdirSync(screenshotFolder, { recursive: true })
    await page.mouse.move(0, 0)
    await page.getByTestId('algorithm-select').scrollIntoViewIfNeeded()
    await page.screenshot({ path: resolve(screenshotFolder, 'capacity.png'), fullPage: true })
  }

  await page.getByTestId('nav-history').click()
  const row = page.getByTestId('run-row').first()
  await expect(row).toContainText('Capacity')
  await expect(row).toContainText('vc-dimension')
  await expect(row).toContainText('completed')
  await row.click()
  const detail = page.getByTestId('run-detail')
  await expect(detail.getByTestId('run-labelings')).toHaveText('44 of 44')
  await expect(detail.getByTestId('run-seed')).toHaveText('1')
  await expect(detail.getByTestId('capacity-chart').locator('canvas')).toHaveCount(1)
  await expectCapacityPerN(detail, cli.perN, range)
  await expect(detail.getByTestId('resume-run')).toHaveCount(0)
})

test('a capacity sweep pauses, continues, stops and resumes in the same run', async ({ app }) => {
  const page = app.page
  await setUpSweep(page, { fromN: 4, toN: 10, attempts: 3, generations: 100, seed: 2 })
  await expect(page.getByTestId('labeling-total')).toContainText('2,018 labelings')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('labeling-count')).toHaveText(
    new RegExp(`^([5-9]|\\d{2,}) / ${LONG_SWEEP_LABELINGS}$`),
    { timeout: 60_000 }
  )
  // The live table fills from the progress events: N 4 is under way or decided.
  await expect(page.locator('[data-testid="capacity-row"][data-n="4"] td').nth(1)).toHaveText(/^([1-9]|1[0-4]) \/ 14$/)
  await expect(page.getByTestId('capacity-row')).toHaveCount(7)

  await page.getByTestId('pause-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('paused', { timeout: 30_000 })
  const pausedAt = await labelingsDone(page)
  await expect(page.getByTestId('paused-note')).toContainText(`paused after labeling ${pausedAt}`)

  await page.getByTestId('continue-training').click()
  const stoppedAt = await stopAfterMoreThan(page, pausedAt)
  expect(stoppedAt).toBeLessThan(LONG_SWEEP_LABELINGS)

  await page.getByTestId('resume-run').click()
  await expect(page.getByText('Run #1', { exact: true })).toBeVisible()
  const resumedTo = await stopAfterMoreThan(page, stoppedAt)

  // The table's decided labelings add up to the run's count: the resumed run went on from its checkpoint.
  const decided = await page
    .getByTestId('capacity-row')
    .evaluateAll((rows) =>
      rows.reduce(
        (sum, row) =>
          sum + Number(row.querySelectorAll('td')[1]?.textContent?.split('/')[0].replaceAll(',', '') ?? NaN),
        0
      )
    )
  expect(decided).toBe(resumedTo)

  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row')).toHaveCount(1)
  await page.getByTestId('run-row').first().click()
  await expect(page.getByTestId('run-labelings')).toHaveText(`${resumedTo} of 2,018`)
  await expect(page.getByTestId('resume-run')).toBeVisible()
})
