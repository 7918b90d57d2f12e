import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './app-fixture'

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null
const repoRoot = resolve(import.meta.dirname, '..')

/** Three short XOR runs that differ in seed and partition only (and so in nothing else). */
const RUNS = [
  { seed: 11, partition: '4,22', generations: 6 },
  { seed: 12, partition: '3,12', generations: 4 },
  { seed: 13, partition: '5,15', generations: 5 }
]

/** `dnpu <args> --data-dir <the app's data folder>`: runs stored by the CLI (faster than the form, the same store). */
function dnpu(dataFolder: string, args: string[]): void {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'dnpu.js'), ...args, '--data-dir', dataFolder], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000
  })
  if (result.status !== 0)
    throw new Error(`dnpu ${args.slice(0, 2).join(' ')} exited with ${result.status}: ${result.stderr}`)
}

function trainGa(dataFolder: string, run: (typeof RUNS)[number]): void {
  dnpu(dataFolder, [
    'train',
    'ga',
    '--task',
    'xor',
    '--seed',
    String(run.seed),
    '--partition',
    run.partition,
    '--generations',
    String(run.generations),
    // Never reached: every run goes its full number of generations, so their lengths differ.
    '--stop-threshold',
    '1'
  ])
}

async function openHistoryWithRuns(page: Page, count: number): Promise<void> {
  await page.getByTestId('nav-history').click()
  // The runs were stored by another process: the list is read afresh when History opens.
  await expect(page.getByTestId('run-row')).toHaveCount(count)
}

test('three runs compared: one curve colour per run, only the settings that differ', async ({ app, appMode }) => {
  for (const run of RUNS) trainGa(app.dataFolder, run)
  const page = app.page
  await page.setViewportSize({ width: 1280, height: 900 })
  await openHistoryWithRuns(page, RUNS.length)

  for (const checkbox of await page.getByTestId('run-select').all()) await checkbox.check()
  await page.getByTestId('compare-selected').click()

  const panel = page.getByTestId('run-compare')
  await expect(panel.getByTestId('compare-legend-item')).toHaveCount(3)
  // Each run is named by its id and task (no names given); the ids are 1 to 3 in training order.
  const legend = await panel.getByTestId('compare-legend-item').allInnerTexts()
  expect(legend.map((text) => /#\d+ xor/.exec(text)?.[0]).sort()).toEqual(['#1 xor', '#2 xor', '#3 xor'])
  // One chart (all three are GA runs), drawn by uPlot: its (hidden) legend lists the x series
  // and two curves per run (fitness solid, correlation dashed).
  const chart = panel.getByTestId('compare-chart')
  await expect(chart).toHaveCount(1)
  await expect(chart.locator('canvas')).toHaveCount(1)
  await expect(chart.locator('.u-legend .u-series')).toHaveCount(1 + 3 * 2)

  const differences = panel.getByTestId('compare-differences')
  const keys = await differences
    .getByTestId('difference-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))
  expect(keys.sort()).toEqual(['generations', 'partition', 'seed'])
  // Equal settings are left out: the task, the model, the fitness function.
  await expect(differences).not.toContainText('task')
  await expect(differences.getByTestId('difference-row').filter({ hasText: 'seed' })).toContainText('11')

  // Outputs: a gate's four cases per run; controls: a row per control electrode, a cell per run.
  await expect(panel.getByTestId('compare-outputs').getByTestId('compare-output')).toHaveCount(3)
  await expect(panel.getByTestId('compare-outputs').locator('table').first()).toContainText('1 1')
  const controlRows = panel.getByTestId('compare-controls').getByTestId('control-row')
  await expect(controlRows.first()).toBeVisible()
  await expect(controlRows.first().locator('td')).toHaveCount(1 + 3)

  if (screenshotFolder && appMode === 'browser') {
    mkdirSync(screenshotFolder, { recursive: true })
    // The window as a user sees it with the panel scrolled to its top (main scrolls, not the page).
    await panel.evaluate((element) => element.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: resolve(screenshotFolder, 'history-compare.png') })
  }

  await panel.getByTestId('compare-close').click()
  await expect(panel).toHaveCount(0)
})

test('runs of different algorithms get a chart each', async ({ app }) => {
  trainGa(app.dataFolder, RUNS[0])
  dnpu(app.dataFolder, ['train', 'gd', '--epochs', '3', '--samples', '200', '--seed', '2'])
  dnpu(app.dataFolder, ['capacity', '--from', '4', '--to', '5', '--attempts', '1', '--generations', '3', '--seed', '3'])
  const page = app.page
  await openHistoryWithRuns(page, 3)
  for (const checkbox of await page.getByTestId('run-select').all()) await checkbox.check()
  await page.getByTestId('compare-selected').click()

  const panel = page.getByTestId('run-compare')
  await expect(panel.getByTestId('compare-legend-item')).toHaveCount(3)
  const charts = panel.getByTestId('compare-chart')
  await expect(charts).toHaveCount(3)
  expect((await charts.evaluateAll((figures) => figures.map((f) => f.getAttribute('data-algorithm')))).sort()).toEqual([
    'capacity',
    'ga',
    'gd'
  ])
  // GA and GD: two curves (solid and dashed); the sweep: capacity per N.
  await expect(charts.and(page.locator('[data-algorithm="gd"]')).locator('.u-legend .u-series')).toHaveCount(3)
  await expect(charts.and(page.locator('[data-algorithm="capacity"]')).locator('.u-legend .u-series')).toHaveCount(2)
  const keys = await panel
    .getByTestId('difference-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))
  expect(keys).toEqual(expect.arrayContaining(['algorithm', 'task', 'seed']))
  // The sweep keeps no outputs; GD's evaluation set is a scatter.
  await expect(panel.getByTestId('compare-output').filter({ hasText: 'No outputs stored' })).toHaveCount(1)
  await expect(panel.getByTestId('compare-output').locator('canvas')).toHaveCount(1)
})

test('a run opened in History starts a new run in Training with its settings', async ({ app }) => {
  trainGa(app.dataFolder, RUNS[1])
  const page = app.page
  await openHistoryWithRuns(page, 1)
  await page.getByTestId('run-row').first().click()
  const detail = page.getByTestId('run-detail')
  await expect(detail.getByTestId('run-seed')).toHaveText(String(RUNS[1].seed))

  await detail.getByTestId('rerun-seed-same').check()
  await detail.getByTestId('rerun-run').click()

  await expect(page.getByTestId('rerun-notice')).toHaveText(/Settings from run #1 \(same seed\)/)
  await expect(page.getByTestId('algorithm-select')).toHaveValue('ga')
  await expect(page.getByTestId('task-select')).toHaveValue('xor')
  await expect(page.getByTestId('model-select')).toHaveValue('demo')
  await expect(page.getByTestId('seed-input')).toHaveValue(String(RUNS[1].seed))
  await expect(page.getByTestId('elite-input')).toHaveValue('3')
  await expect(page.getByTestId('offspring-input')).toHaveValue('12')
  await expect(page.getByTestId('generations-input')).toHaveValue(String(RUNS[1].generations))
  await expect(page.getByTestId('stop-threshold-input')).toHaveValue('1')

  await page.getByTestId('rerun-notice-dismiss').click()
  await expect(page.getByTestId('rerun-notice')).toHaveCount(0)

  // With a new seed the seed field is left empty: the new run draws one.
  await page.getByTestId('nav-history').click()
  await page.getByTestId('run-row').first().click()
  await page.getByTestId('run-detail').getByTestId('rerun-seed-new').check()
  await page.getByTestId('run-detail').getByTestId('rerun-run').click()
  await expect(page.getByTestId('rerun-notice')).toHaveText(/Settings from run #1 \(new seed\)/)
  await expect(page.getByTestId('seed-input')).toHaveValue('')
  await expect(page.getByTestId('elite-input')).toHaveValue('3')
})
