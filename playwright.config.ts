import { defineConfig } from '@playwright/test'
import type { AppMode } from './e2e/app-fixture'

/**
 * Two projects run the same specs: `browser` drives Debian's Chromium against browser mode
 * (`dnpu serve`); `electron` drives the desktop app and skips itself, saying why, where the
 * Electron binary is not available.
 */
export default defineConfig<{ appMode: AppMode }>({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  globalSetup: './e2e/global-setup.ts',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    { name: 'browser', use: { appMode: 'browser' } },
    { name: 'electron', use: { appMode: 'electron' } }
  ]
})
