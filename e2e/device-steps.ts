/**
 * Steps several specs take the same way through the UI: connecting the built-in simulated
 * instrument, and calibrating the connected device (coarse, for speed) and saving it.
 */
import { expect, type Page } from '@playwright/test'
import { IN_PROCESS_SIMULATOR_PATH } from '../src-shared/ipc'

/** Device view: picks the built-in simulated instrument and waits until it is connected. */
export async function connectBuiltInSimulator(page: Page): Promise<void> {
  await page.getByTestId('nav-device').click()
  await expect(page.getByTestId('port-select').locator(`option[value="${IN_PROCESS_SIMULATOR_PATH}"]`)).toHaveCount(1, {
    timeout: 30_000
  })
  await page.getByTestId('port-select').selectOption(IN_PROCESS_SIMULATOR_PATH)
  await page.getByTestId('connect-device').click()
  await expect(page.getByTestId('device-state')).toHaveText('connected', { timeout: 30_000 })
}

/** Calibration view: sweeps the connected device with `pointsPerLeg` points a leg and saves the result. */
export async function calibrateConnectedDevice(page: Page, pointsPerLeg: number): Promise<void> {
  await page.getByTestId('nav-calibration').click()
  await page.getByTestId('points-per-leg').fill(String(pointsPerLeg))
  await page.getByTestId('run-calibration').click()
  await expect(page.getByTestId('calibration-row').first()).toBeVisible({ timeout: 120_000 })
  await page.getByTestId('save-calibration').click()
  await expect(page.getByTestId('calibration-saved')).toBeVisible()
}
