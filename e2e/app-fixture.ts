/**
 * The app under test, in either of its two shapes, each with a fresh data folder per test:
 * - browser: `dnpu serve --port 0 --data-dir DIR` in a child process, driven by Debian's Chromium;
 * - electron: the built desktop app, launched by Playwright's Electron support.
 * `restart()` ends the app and starts it again on the same data folder.
 */
import { test as base, chromium, _electron, type Browser, type ElectronApplication, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { electronUnavailableReason } from './electron-availability'

export type AppMode = 'browser' | 'electron'

const repoRoot = resolve(import.meta.dirname, '..')
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]

export interface RunningApp {
  page: Page
  dataFolder: string
  restart(): Promise<Page>
}

interface Launched {
  page: Page
  close(): Promise<void>
}

async function startServe(dataFolder: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'dnpu.js'), 'serve', '--port', '0', '--data-dir', dataFolder],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const url = await new Promise<string>((resolveUrl, rejectUrl) => {
    let stdout = ''
    const timer = setTimeout(() => rejectUrl(new Error(`dnpu serve printed no URL within 60 s\n${stderr}`)), 60_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /DNPU Lab running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      rejectUrl(new Error(`dnpu serve exited with code ${code}\n${stderr}`))
    })
  })
  return { url, child }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

async function launchBrowserMode(browser: Browser, dataFolder: string): Promise<Launched> {
  const { url, child } = await startServe(dataFolder)
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
  const page = await context.newPage()
  await page.goto(url)
  return {
    page,
    async close() {
      await context.close()
      await stopChild(child)
    }
  }
}

async function launchElectron(dataFolder: string): Promise<Launched> {
  const app: ElectronApplication = await _electron.launch({
    args: [join(repoRoot, 'out', 'main', 'index.js')],
    cwd: repoRoot,
    env: { ...process.env, DNPU_DATA_DIR: dataFolder, DNPU_SQLITE_BINDING: process.env.DNPU_SQLITE_BINDING ?? '' }
  })
  const page = await app.firstWindow()
  return { page, close: () => app.close() }
}

export const test = base.extend<{ appMode: AppMode; app: RunningApp }, { browser: Browser }>({
  appMode: ['browser', { option: true }],
  browser: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires a destructuring pattern here
    async ({}, use) => {
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
      await use(browser)
      await browser.close()
    },
    { scope: 'worker' }
  ],
  app: async ({ appMode, browser }, use, testInfo) => {
    if (appMode === 'electron') {
      const reason = electronUnavailableReason(repoRoot)
      testInfo.skip(reason !== null, `Electron project skipped: ${reason}`)
    }
    const dataFolder = mkdtempSync(join(tmpdir(), 'dnpu-e2e-'))
    const launch = (): Promise<Launched> =>
      appMode === 'electron' ? launchElectron(dataFolder) : launchBrowserMode(browser, dataFolder)
    let current = await launch()
    await use({
      get page() {
        return current.page
      },
      dataFolder,
      async restart() {
        await current.close()
        current = await launch()
        return current.page
      }
    })
    await current.close()
    rmSync(dataFolder, { recursive: true, force: true })
  }
})

export { expect } from '@playwright/test'
