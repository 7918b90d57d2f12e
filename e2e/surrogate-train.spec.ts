/**
 * A surrogate trained in the app: a dataset is sampled with the CLI from `dnpu sim` (playing the
 * demo model as the device) into the app's own data folder, then the Models view's "Train a
 * surrogate" panel (opened by `#models?train=1`) trains a small net on it, shows the test
 * figures, lists the new model as 'trained', History's rerun brings its settings back to the
 * form, and a GA XOR run on that model completes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from './app-fixture'

const repoRoot = resolve(import.meta.dirname, '..')
const launcher = join(repoRoot, 'bin', 'dnpu.js')
const MODEL_FILE = join(repoRoot, 'resources', 'demo-surrogate.pt')
const screenshotFolder = process.env.UPDATE_SCREENSHOTS ? resolve(repoRoot, 'docs', 'screenshots') : null
const run = promisify(execFile)

/** `dnpu sim --tcp 0 --speed inf` playing the demo model; resolves its `tcp://` address once READY. */
async function startSimulator(): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [launcher, 'sim', '--tcp', '0', '--speed', 'inf', '--model', MODEL_FILE], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const address = await new Promise<string>((resolveAddress, rejectAddress) => {
    let stdout = ''
    const timer = setTimeout(() => rejectAddress(new Error(`dnpu sim printed no READY within 60 s\n${stderr}`)), 60_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /READY (127\.0\.0\.1:\d+)/.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolveAddress(`tcp://${match[1]}`)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      rejectAddress(new Error(`dnpu sim exited with code ${code}\n${stderr}`))
    })
  })
  return { address, child }
}

async function dnpu(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [launcher, ...args], { cwd: repoRoot, maxBuffer: 16 << 20 })
  return stdout
}

test('trains a surrogate from a sampled dataset in the Models view, then XOR on the new model', async ({
  app,
  appMode
}) => {
  test.skip(appMode !== 'browser', 'the CLI writes the dataset into the served data folder')
  test.setTimeout(300_000)
  const page = app.page
  const sim = await startSimulator()
  try {
    await dnpu(['calibrate', '--port', sim.address, '--points', '12', '--json', '--data-dir', app.dataFolder])
    const dataset = JSON.parse(
      await dnpu(['sample', '--port', sim.address, '--duration', '120', '--json', '--data-dir', app.dataFolder])
    ) as { id: number; status: string }
    expect(dataset.status).toBe('complete')
  } finally {
    sim.child.kill('SIGINT')
  }

  await page.evaluate(() => (location.hash = '#models?train=1'))
  const panel = page.getByTestId('surrogate-train-panel')
  await expect(panel).toBeVisible()
  await expect(page.getByTestId('surrogate-dataset-id')).toHaveValue('1')

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

  if (screenshotFolder) {
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
