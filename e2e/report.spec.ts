/**
 * The run report and the charts' "Save as": a report written by the CLI, and one saved from
 * History, open offline in Chromium (every request counted and refused: there must be none) with its SVG charts drawn;
 * in the app, a chart's Save as SVG / PNG download valid files.
 * `UPDATE_SCREENSHOTS=1` refreshes docs/screenshots/run-report.png and docs/screenshots/run-report-compare.png.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from './app-fixture'

const repoRoot = resolve(import.meta.dirname, '..')
const screenshotFolder = process.env.UPDATE_SCREENSHOTS ? resolve(repoRoot, 'docs', 'screenshots') : null

/** A small GA run on the demo surrogate, by the CLI, in the app's data folder; returns its id. */
function trainGa(dataFolder: string, seed: number): number {
  const stdout = execFileSync(
    process.execPath,
    [
      join(repoRoot, 'bin', 'dnpu.js'),
      ...['train', 'ga', '--task', 'xor', '--generations', '8', '--seed', String(seed), '--stop-threshold', '1.5'],
      ...['--json', '--data-dir', dataFolder]
    ],
    { cwd: repoRoot, encoding: 'utf8' }
  )
  return (JSON.parse(stdout) as { runId: number }).runId
}

function writeReport(dataFolder: string, runIds: number[], output: string): void {
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'bin', 'dnpu.js'),
      'runs',
      'report',
      ...runIds.map(String),
      '--output',
      output,
      '--data-dir',
      dataFolder
    ],
    { cwd: repoRoot, encoding: 'utf8' }
  )
}

test('a report opens offline: no request leaves the file, its SVG charts are drawn', async ({
  app,
  browser
}, testInfo) => {
  test.skip(testInfo.project.name !== 'browser', 'the report file is opened in Chromium once (browser project)')
  const first = trainGa(app.dataFolder, 1)
  const second = trainGa(app.dataFolder, 2)
  const third = trainGa(app.dataFolder, 3)
  const single = join(app.dataFolder, 'report-one.html')
  const compared = join(app.dataFolder, 'report-three.html')
  // The one-run report from the CLI, the comparison saved from History as a user saves it.
  writeReport(app.dataFolder, [first], single)
  const { page: appPage } = app
  await appPage.getByTestId('nav-history').click()
  const rows = appPage.getByTestId('run-row')
  await expect(rows).toHaveCount(3)
  for (const id of [first, second, third]) {
    await appPage.locator(`[data-testid="run-row"][data-run-id="${id}"]`).getByTestId('run-select').check()
  }
  const [download] = await Promise.all([
    appPage.waitForEvent('download'),
    appPage.getByTestId('report-selected').click()
  ])
  expect(download.suggestedFilename()).toMatch(/\.html$/)
  await download.saveAs(compared)

  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
  try {
    for (const [file, shot] of [
      [single, 'run-report.png'],
      [compared, 'run-report-compare.png']
    ] as const) {
      const page = await context.newPage()
      const fileUrl = pathToFileURL(file).href
      const external: string[] = []
      page.on('request', (request) => {
        if (request.url() !== fileUrl) external.push(request.url())
      })
      await page.route('**/*', (route) => {
        if (route.request().url() === fileUrl) return route.continue()
        external.push(route.request().url())
        return route.abort()
      })
      await page.goto(fileUrl)
      await expect(page.locator('h1')).toContainText(`#${first}`)
      const fitness = page.locator('figure[data-chart="history-fitness"] svg')
      await expect(fitness).toBeVisible()
      const box = await fitness.boundingBox()
      expect(box?.width).toBeGreaterThan(300)
      await expect(page.locator('figure svg').first()).toBeVisible()
      if (file === compared) await expect(fitness.locator('path')).toHaveCount(3)
      await page.screenshot({ path: testInfo.outputPath(shot), fullPage: true })
      await page.screenshot({ path: testInfo.outputPath(`top-${shot}`) })
      if (screenshotFolder) {
        mkdirSync(screenshotFolder, { recursive: true })
        await page.screenshot({ path: resolve(screenshotFolder, shot), fullPage: true })
      }
      expect(external).toEqual([])
      await page.close()
    }
  } finally {
    await context.close()
  }
})

test("a chart's Save as SVG and Save as PNG download valid files", async ({ app }, testInfo) => {
  trainGa(app.dataFolder, 4)
  const page = app.page
  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row')).toHaveCount(1)
  await page.getByTestId('run-row').first().click()
  const chart = page.getByTestId('run-detail').getByTestId('fitness-chart')
  await expect(chart.locator('canvas')).toHaveCount(1)
  await chart.getByRole('figure').first().hover()

  const [svgDownload] = await Promise.all([
    page.waitForEvent('download'),
    chart.getByTestId('chart-save-svg').first().click()
  ])
  expect(svgDownload.suggestedFilename()).toMatch(/^[\w-]+\.svg$/)
  const svg = readFileSync((await svgDownload.path())!, 'utf8')
  expect(svg.startsWith('<svg')).toBe(true)
  expect(svg).toContain('</svg>')
  expect(svg).toMatch(/data-points="8"/)

  const [pngDownload] = await Promise.all([
    page.waitForEvent('download'),
    chart.getByTestId('chart-save-png').first().click()
  ])
  expect(pngDownload.suggestedFilename()).toMatch(/^[\w-]+\.png$/)
  const png = readFileSync((await pngDownload.path())!)
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  expect(png.length).toBeGreaterThan(1000)
  // Kept with the test's results, to look at.
  await pngDownload.saveAs(testInfo.outputPath('saved-chart.png'))
  await page.screenshot({ path: testInfo.outputPath('chart-with-buttons.png') })
})
