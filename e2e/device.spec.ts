import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './app-fixture'

/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` refreshes the README's pictures. */
const screenshotFolder = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
  : null

const SIMULATOR = 'sim://in-process'
const repoRoot = resolve(import.meta.dirname, '..')

/** `dnpu sim --tcp 0` with the given options; resolves its `tcp://` address once it is READY. */
async function startTcpSimulator(args: string[]): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'dnpu.js'), 'sim', '--tcp', '0', ...args], {
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

/** The whole view in one picture: the window is made as tall as the view's content (main scrolls, not the page). */
async function screenshotView(page: Page, name: string): Promise<void> {
  const folder = screenshotFolder!
  const viewport = page.viewportSize()!
  const main = page.locator('main')
  const height = await main.evaluate((m) => m.getBoundingClientRect().top + m.scrollHeight)
  await page.setViewportSize({
    width: viewport.width,
    height: Math.min(Math.max(Math.ceil(height) + 2, viewport.height), 2400)
  })
  await main.evaluate((m) => m.scrollTo(0, 0))
  await page.mouse.move(0, 0)
  mkdirSync(folder, { recursive: true })
  await page.screenshot({ path: resolve(folder, name) })
  await page.setViewportSize(viewport)
}

async function connectSimulator(page: Page): Promise<void> {
  await page.getByTestId('nav-device').click()
  await expect(page.getByTestId('port-select').locator(`option[value="${SIMULATOR}"]`)).toHaveCount(1, {
    timeout: 30_000
  })
  await page.getByTestId('port-select').selectOption(SIMULATOR)
  await page.getByTestId('connect-device').click()
  await expect(page.getByTestId('device-state')).toHaveText('connected', { timeout: 30_000 })
}

test('device, calibration, waveforms, training on the device and validation on the device', async ({
  app,
  appMode
}) => {
  test.setTimeout(600_000)
  const page = app.page

  // Device: nothing connected at first; the simulated DNPU is offered and connects.
  await page.getByTestId('nav-device').click()
  await expect(page.getByTestId('device-state')).toHaveText('disconnected')
  await connectSimulator(page)
  await expect(page.getByTestId('identity-maker')).toHaveText('DNPU-SIM')
  await expect(page.getByTestId('device-port')).toHaveText(SIMULATOR)
  await expect(page.getByTestId('cap-dac-channels')).not.toBeEmpty()
  // The manual test needs a calibration, and says so.
  await expect(page.getByTestId('dc-disabled-reason')).toContainText('no calibration')
  await expect(page.getByTestId('dc-apply')).toBeDisabled()

  // The profile: a new name is saved and kept.
  const profile = page.getByTestId('device-profile')
  await expect(profile.getByTestId('activation-channels').locator('tbody tr')).not.toHaveCount(0)
  await expect(page.getByTestId('save-profile')).toBeDisabled()
  await profile.getByTestId('profile-name').fill('Bench DNPU (simulated)')
  await page.getByTestId('save-profile').click()
  await expect(page.getByTestId('profile-saved')).toBeVisible()
  // A DAC channel used twice is refused in the form, naming the electrode it already drives.
  const firstChannel = await profile.getByTestId('activation-channel-0').inputValue()
  await profile.getByTestId('activation-channel-1').fill(firstChannel)
  await expect(profile.getByText(`DAC channel ${firstChannel} already drives electrode 0`)).toBeVisible()
  await profile.getByRole('button', { name: 'Revert' }).click()

  // Training on the device is refused until the device is calibrated.
  await page.getByTestId('nav-training').click()
  await expect(page.getByTestId('processor-unavailable')).toContainText('no calibration')
  await expect(page.getByTestId('processor-select').locator('option[value="device"]')).toBeDisabled()

  // Calibration: every electrode, 20 points per leg, with progress, then a chart per electrode.
  await page.getByTestId('nav-calibration').click()
  await expect(page.getByTestId('calibration-in-force')).toHaveText('not calibrated yet')
  const electrodeCount = await page.getByTestId('trial-ranges').locator('tbody tr').count()
  expect(electrodeCount).toBeGreaterThan(1)
  await page.getByTestId('points-per-leg').fill('20')
  await page.getByTestId('run-calibration').click()
  await expect(page.getByTestId('calibration-progress')).toBeVisible()
  await expect(page.getByTestId('calibration-chart')).toHaveCount(electrodeCount, { timeout: 300_000 })
  await expect(page.getByTestId('calibration-progress')).toContainText(
    `${electrodeCount} of ${electrodeCount} electrodes`
  )
  await expect(page.getByTestId('calibration-chart').first().locator('canvas')).toHaveCount(1)
  await expect(page.getByTestId('calibration-row')).toHaveCount(electrodeCount)
  await expect(page.getByTestId('suggested-range').first()).toContainText('to')

  // A range past -1.2 V needs the confirmed, recorded override.
  await page.getByTestId('range-min-0').fill('-1.3')
  await expect(page.getByTestId('beyond-safe-0')).toBeVisible()
  await expect(page.getByTestId('save-calibration')).toBeDisabled()
  await expect(page.getByTestId('save-blocked')).toContainText('confirm the override')
  await page.getByTestId('override-confirm').check()
  await page.getByTestId('override-reason').fill('bench test of the override path')
  await page.getByTestId('calibration-notes').fill('e2e calibration')
  await page.getByTestId('save-calibration').click()
  await expect(page.getByTestId('calibration-saved')).toContainText('version 1')
  await expect(page.getByTestId('calibration-in-force')).toContainText('calibration v1')
  const version = page.getByTestId('calibration-version')
  await expect(version).toHaveCount(1)
  await expect(version.first()).toContainText('e2e calibration')
  await expect(version.first().getByTestId('version-override')).toContainText('bench test of the override path')
  if (screenshotFolder && appMode === 'browser') await screenshotView(page, 'calibration.png')

  // Waveforms: the sweep just run, zoomable, exported as CSV.
  await page.getByTestId('show-sweep-waveforms').click()
  const detail = page.getByTestId('waveform-detail')
  await expect(detail).toBeVisible({ timeout: 30_000 })
  await expect(detail.getByTestId('waveform-kind')).toHaveText('calibration')
  await expect(detail.getByTestId('waveform-plot').locator('canvas')).toHaveCount(1)
  expect(Number(await detail.getByTestId('plateau-count').innerText())).toBeGreaterThan(0)
  const plotBox = await detail.getByTestId('waveform-plot').locator('.u-over').boundingBox()
  expect(plotBox).not.toBeNull()
  await page.mouse.move(plotBox!.x + plotBox!.width * 0.3, plotBox!.y + plotBox!.height / 2)
  await page.mouse.down()
  await page.mouse.move(plotBox!.x + plotBox!.width * 0.5, plotBox!.y + plotBox!.height / 2, { steps: 5 })
  await page.mouse.up()
  await expect(detail.getByTestId('reset-zoom')).toBeEnabled()
  if (screenshotFolder && appMode === 'browser') await screenshotView(page, 'waveforms.png')
  await detail.getByTestId('reset-zoom').click()
  await expect(detail.getByTestId('reset-zoom')).toBeDisabled()
  const downloading = page.waitForEvent('download')
  await detail.getByTestId('export-csv').click()
  const download = await downloading
  expect(download.suggestedFilename()).toMatch(/\.csv$/)
  const csv = readFileSync((await download.path())!, 'utf8').split('\n')
  expect(csv.find((line) => line.startsWith('time_s,'))).toContain('readout_nA')
  expect(csv.length).toBeGreaterThan(20)

  // Device again: the manual test inside the new calibration.
  await page.getByTestId('nav-device').click()
  await page.getByTestId('dc-electrode').selectOption('1')
  await page.getByTestId('dc-volts').fill('0.1')
  await page.getByTestId('dc-apply').click()
  await expect(page.getByTestId('dc-reading')).toContainText('0.100 V', { timeout: 30_000 })
  await expect(page.getByTestId('dc-readout')).toContainText('nA')
  await page.getByTestId('dc-volts').fill('5')
  await expect(page.getByTestId('dc-apply')).toBeDisabled()
  await page.getByTestId('dc-volts').fill('0')
  if (screenshotFolder && appMode === 'browser') await screenshotView(page, 'device.png')

  // Training: a short GA XOR on the device.
  await page.getByTestId('nav-training').click()
  await page.getByTestId('processor-select').selectOption('device')
  await expect(page.locator('details.simulation')).toHaveCount(0)
  await page.getByTestId('generations-input').fill('2')
  await page.getByTestId('stop-threshold-input').fill('1.5')
  await page.getByTestId('seed-input').fill('3')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 300_000 })
  await expect(page.getByTestId('generation-count')).toHaveText('2 / 2')

  // History: the run says it ran on the device, and is validated on the device.
  await page.getByTestId('nav-history').click()
  await page.getByTestId('run-row').first().click()
  const run = page.getByTestId('run-detail')
  await expect(run.getByTestId('run-device')).toContainText('trained on the device')
  await expect(run.getByTestId('validation-row')).toHaveCount(0)
  await run.getByTestId('validate-run').click()
  await expect(run.getByTestId('validation-row')).toHaveCount(1, { timeout: 120_000 })
  const correlation = Number(await run.getByTestId('validation-correlation').innerText())
  expect(correlation).toBeGreaterThanOrEqual(-1)
  expect(correlation).toBeLessThanOrEqual(1)

  // The validation's acquisition is in Waveforms too.
  await page.getByTestId('nav-waveforms').click()
  await expect(page.locator('[data-testid="measurement-row"][data-kind="validation"]')).toHaveCount(1)

  // A GD run, trained on the surrogate, is validated on the device too: its controls on the ring test set.
  await page.getByTestId('nav-training').click()
  await page.getByTestId('algorithm-select').selectOption('gd')
  await expect(page.getByTestId('samples-input')).toHaveValue('1000')
  await page.getByTestId('samples-input').fill('300')
  await page.getByTestId('epochs-input').fill('10')
  await page.getByTestId('seed-input').fill('1')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  // The accuracy arrives with the run's stored outcome, just after the status.
  await expect(page.getByTestId('accuracy-test')).toHaveText(/^\d+\.\d %$/)
  const trainedAccuracy = await page.getByTestId('accuracy-test').innerText()

  await page.getByTestId('nav-history').click()
  await page.getByTestId('run-row').first().click()
  const gdRun = page.getByTestId('run-detail')
  await expect(gdRun.getByTestId('run-device')).toContainText('trained on the surrogate model')
  await expect(gdRun.getByTestId('validate-disabled-reason')).toHaveCount(0)
  await gdRun.getByTestId('validate-run').click()
  const gdValidation = gdRun.getByTestId('gd-validation-table').getByTestId('validation-row')
  await expect(gdValidation).toHaveCount(1, { timeout: 120_000 })
  await expect(gdValidation).toContainText('test, 45 points')
  // The built-in device plays the run's own surrogate, at the voltages the run trained with.
  await expect(gdValidation.getByTestId('validation-accuracy')).toHaveText(trainedAccuracy)
  await expect(gdValidation.getByTestId('validation-simulated-accuracy')).toHaveText(trainedAccuracy)
  if (screenshotFolder && appMode === 'browser') await screenshotView(page, 'history-validation-gd.png')
  await page.getByTestId('nav-waveforms').click()
  await expect(page.locator('[data-testid="measurement-row"][data-kind="validation"]')).toHaveCount(2)

  // History's device filters: the device's profile keeps the GA run made on it, not the GD run
  // made on the surrogate; exactly one of its calibration versions is the one the run ran under.
  await page.getByTestId('nav-history').click()
  await expect(page.getByTestId('run-row')).toHaveCount(2)
  const deviceOptions = page.getByTestId('filter-device').locator('option')
  await expect(deviceOptions).toHaveCount(2)
  await page.getByTestId('filter-device').selectOption({ index: 1 })
  await expect(page.getByTestId('history-total')).toHaveAttribute('data-query', /^device=\d+$/)
  await expect(page.getByTestId('history-total')).toHaveText('1 run')
  await expect(page.getByTestId('run-row')).toHaveCount(1)
  expect(page.url()).toMatch(/#history\?device=\d+$/)
  const calibrationOptions = page.getByTestId('filter-calibration').locator('option')
  await expect(calibrationOptions.nth(1)).toBeAttached()
  const versions = await calibrationOptions.count()
  const runsPerVersion: string[] = []
  for (let index = 1; index < versions; index++) {
    await page.getByTestId('filter-calibration').selectOption({ index })
    await expect(page).toHaveURL(/calibration=\d+/)
    // The list answering exactly this search (the URL's), not the one before it.
    const asked = new URL(page.url()).hash.replace(/^#history\?/, '')
    await expect(page.getByTestId('history-total')).toHaveAttribute('data-query', asked)
    runsPerVersion.push(await page.getByTestId('history-total').innerText())
  }
  expect(runsPerVersion.filter((total) => total === '1 run')).toHaveLength(1)
  expect(runsPerVersion.filter((total) => total !== '1 run').every((total) => total === '0 runs')).toBe(true)
  await page.getByTestId('filter-clear').click()
  await expect(page.getByTestId('run-row')).toHaveCount(2)

  // A capacity sweep: every labeling it found is re-measured with its own controls, one acquisition per N.
  await page.getByTestId('nav-training').click()
  await page.getByTestId('algorithm-select').selectOption('capacity')
  await expect(page.getByTestId('from-n-input')).toHaveValue('4')
  await page.getByTestId('to-n-input').fill('5')
  await page.getByTestId('attempts-input').fill('1')
  await page.getByTestId('seed-input').fill('2')
  await page.getByTestId('start-training').click()
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 })
  await page.getByTestId('nav-history').click()
  await page.getByTestId('run-row').first().click()
  const sweep = page.getByTestId('run-detail')
  await expect(sweep.getByTestId('run-labelings')).toHaveText('44 of 44')
  await sweep.getByTestId('validate-run').click()
  const perN = sweep.getByTestId('capacity-validation-row')
  await expect(perN).toHaveCount(2, { timeout: 120_000 })
  await expect(perN.nth(0)).toContainText('4')
  await expect(perN.nth(1)).toContainText('5')
  if (screenshotFolder && appMode === 'browser') await screenshotView(page, 'history-validation-capacity.png')
  await page.getByTestId('nav-waveforms').click()
  await expect(page.locator('[data-testid="measurement-row"][data-kind="validation"]')).toHaveCount(4)
})

test('disconnecting turns the device controls off, each saying why', async ({ app }) => {
  const page = app.page
  await connectSimulator(page)
  await page.getByTestId('disconnect-device').click()
  await expect(page.getByTestId('device-state')).toHaveText('disconnected', { timeout: 30_000 })
  await expect(page.getByTestId('dc-disabled-reason')).toContainText('no device is connected')

  await page.getByTestId('nav-calibration').click()
  await expect(page.getByTestId('calibration-unavailable')).toContainText('no device is connected')
  await expect(page.getByTestId('run-calibration')).toBeDisabled()

  await page.getByTestId('nav-training').click()
  await expect(page.getByTestId('processor-unavailable')).toContainText('no device is connected')
})

test('a device lost mid-run: the app says so, the run ends interrupted, reconnect and resume', async ({ app }) => {
  test.setTimeout(600_000)
  const page = app.page
  // The instrument drops the link when acquisition 21 starts: after the calibration, during training.
  const sim = await startTcpSimulator(['--speed', 'inf', '--fault', 'disconnect-after=20'])
  try {
    await page.getByTestId('nav-device').click()
    await expect(page.getByTestId('port-select').locator(`option[value="${SIMULATOR}"]`)).toHaveCount(1, {
      timeout: 30_000
    })
    await page.getByTestId('port-select').selectOption({ label: 'Other address…' })
    await page.getByTestId('port-address').fill(sim.address)
    await page.getByTestId('connect-device').click()
    await expect(page.getByTestId('device-state')).toHaveText('connected', { timeout: 30_000 })
    await expect(page.getByTestId('device-port')).toHaveText(sim.address)

    await page.getByTestId('nav-calibration').click()
    if ((await page.getByTestId('calibration-in-force').innerText()) === 'not calibrated yet') {
      await page.getByTestId('points-per-leg').fill('4')
      await page.getByTestId('run-calibration').click()
      await expect(page.getByTestId('calibration-row').first()).toBeVisible({ timeout: 120_000 })
      await page.getByTestId('save-calibration').click()
      await expect(page.getByTestId('calibration-saved')).toBeVisible()
    }

    await page.getByTestId('nav-training').click()
    await page.getByTestId('processor-select').selectOption('device')
    await page.getByTestId('generations-input').fill('60')
    await page.getByTestId('stop-threshold-input').fill('1.5')
    await page.getByTestId('seed-input').fill('7')
    await page.getByTestId('start-training').click()

    // Whatever view is open, the lost link is reported with its reason and a Reconnect.
    await expect(page.getByTestId('device-alert')).toContainText('Instrument connection lost', { timeout: 120_000 })
    await expect(page.getByTestId('device-alert-error')).not.toBeEmpty()
    await expect(page.getByTestId('run-status')).toHaveText('interrupted', { timeout: 60_000 })
    await expect(page.getByTestId('run-error')).toContainText('connection was lost')
    await expect(page.getByTestId('device-lost-note')).toBeVisible()
    const stepsBefore = Number((await page.getByTestId('generation-count').innerText()).split('/')[0])
    expect(stepsBefore).toBeLessThan(60)

    await page.getByTestId('training-reconnect').click()
    await expect(page.getByTestId('device-alert')).toHaveCount(0, { timeout: 30_000 })
    await expect(page.getByTestId('device-lost-note')).toHaveCount(0)
    await page.getByTestId('resume-run').click()
    await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 300_000 })
    await expect(page.getByTestId('generation-count')).toHaveText('60 / 60')
  } finally {
    sim.child.kill('SIGTERM')
  }
})
