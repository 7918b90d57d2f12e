import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './app-fixture'
import { calibrateConnectedDevice } from './device-steps'

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null

const repoRoot = resolve(import.meta.dirname, '..')
const MODEL_FILE = join(repoRoot, 'resources', 'demo-surrogate.pt')

/** `dnpu sim --tcp 0` playing the demo model with ADC noise; resolves its `tcp://` address once READY. */
async function startNoisySimulator(): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'dnpu.js'),
      'sim',
      '--tcp',
      '0',
      '--speed',
      'inf',
      '--noise-std',
      '0.5',
      '--model',
      MODEL_FILE
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }
  )
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

test('checks an imported model against the device: the first check stores the reference, the second reports drift', async ({
  app,
  appMode
}) => {
  test.setTimeout(300_000)
  const page = app.page
  const sim = await startNoisySimulator()
  try {
    // The model the simulated device plays, imported as a lab file.
    await page.getByTestId('nav-models').click()
    await page.getByTestId('model-file-input').setInputFiles(MODEL_FILE)
    await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 30_000 })
    const detail = page.getByTestId('model-detail')
    const checks = detail.getByTestId('model-checks')
    await expect(checks.getByTestId('check-model')).toBeDisabled()
    await expect(checks.getByTestId('check-disabled-reason')).toHaveText('Connect the device first (Device view)')
    await expect(checks.getByTestId('no-checks')).toBeVisible()

    // The bundled model keeps no checks.
    await page.locator('[data-testid="model-row"][data-model-id="demo"]').click()
    await expect(checks.getByTestId('check-model')).toHaveCount(0)
    await expect(checks).toContainText('Checks are kept for imported or trained models')
    const modelId = await page
      .locator('[data-testid="model-row"]:not([data-model-id="demo"])')
      .first()
      .getAttribute('data-model-id')

    // Connect and calibrate the noisy device.
    await page.getByTestId('nav-device').click()
    await page.getByTestId('port-select').selectOption({ label: 'Other address…' })
    await page.getByTestId('port-address').fill(sim.address)
    await page.getByTestId('connect-device').click()
    await expect(page.getByTestId('device-state')).toHaveText('connected', { timeout: 30_000 })
    await page.getByTestId('nav-models').click()
    await page.locator(`[data-testid="model-row"][data-model-id="${modelId}"]`).click()
    await expect(checks.getByTestId('check-disabled-reason')).toContainText('has no calibration')
    await calibrateConnectedDevice(page, 4)

    // First check: the reference. Second: drift at noise level, a small model error.
    await page.getByTestId('nav-models').click()
    await expect(checks.getByTestId('check-disabled-reason')).toHaveCount(0)
    await checks.getByTestId('check-model').click()
    await expect(checks.getByTestId('check-outcome')).toContainText('First check: this batch is the reference', {
      timeout: 60_000
    })
    await expect(checks.getByTestId('model-check-row')).toHaveCount(1)
    await checks.getByTestId('check-model').click()
    await expect(checks.getByTestId('check-outcome')).toContainText('Drift', { timeout: 60_000 })
    const rows = checks.getByTestId('model-check-row')
    await expect(rows).toHaveCount(2)
    // Newest first: the second check's drift is the noise, the first's 0 (the reference).
    await expect(rows.nth(1)).toContainText('reference')
    await expect(rows.nth(1).locator('td').nth(1)).toHaveText('0.000 nA')
    const drift = Number((await rows.first().locator('td').nth(1).innerText()).replace(' nA', ''))
    expect(drift).toBeGreaterThan(0)
    expect(drift).toBeLessThan(0.5)
    await expect(checks).toContainText('512 points, drawn by the first check')
    if (screenshotFolder && appMode === 'browser') await screenshot(page, 'model-checks.png')
  } finally {
    sim.child.kill('SIGINT')
  }
})
