#!/usr/bin/env node
/**
 * `npm start`: launch the Electron app through electron-vite.
 *
 * Two things can stand in the way on a fresh machine, and each gets one clear paragraph instead
 * of a stack trace: the Electron binary (downloaded on first launch) and a copy of the SQLite
 * driver built for Electron's ABI (the CLI keeps the Node build, so both work side by side).
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

function explainAndExit(paragraph) {
  process.stderr.write(`\n${paragraph.replace(/\s+/g, ' ').trim()}\n\n`)
  process.exit(1)
}

// 1. The Electron binary. Requiring the electron package resolves (and on first use downloads)
//    the executable; do it in a child so a failed download cannot take this script down.
if (!existsSync(join(root, 'node_modules', 'electron', 'path.txt'))) {
  process.stderr.write('Getting the Electron runtime (a one-time download of about 100 MB)...\n')
}
const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
  cwd: root,
  encoding: 'utf8',
  timeout: 15 * 60 * 1000
})
const electronPath = probe.status === 0 ? probe.stdout.trim() : ''
if (!electronPath || !existsSync(electronPath)) {
  explainAndExit(`DNPU Lab could not start its desktop window: the Electron runtime is not installed
    and could not be downloaded on this machine (no access to Electron's download server, or the
    download failed). Everything else works without it: run "npx dnpu serve" to use DNPU Lab in a
    browser (it prints the address to open), or "npx dnpu --help" for the command line. To get the
    desktop app, run "npm start" again on a machine with internet access, or set
    ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron ${require('electron/package.json').version}.`)
}

// 2. better-sqlite3 for Electron's ABI, kept apart from the Node build the CLI uses.
const electronVersion = require('electron/package.json').version
const nativeFolder = join(root, '.electron-native', `electron-${electronVersion}-${process.platform}-${process.arch}`)
const binding = join(nativeFolder, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
if (!existsSync(binding)) {
  process.stderr.write(`Preparing the SQLite driver for Electron ${electronVersion} (once)...\n`)
  const moduleCopy = join(nativeFolder, 'better-sqlite3')
  rmSync(moduleCopy, { recursive: true, force: true })
  mkdirSync(nativeFolder, { recursive: true })
  cpSync(dirname(require.resolve('better-sqlite3/package.json')), moduleCopy, { recursive: true })
  rmSync(join(moduleCopy, 'build'), { recursive: true, force: true })
  const prebuilt = spawnSync(
    process.execPath,
    [
      require.resolve('prebuild-install/bin.js'),
      '--runtime',
      'electron',
      '--target',
      electronVersion,
      '--arch',
      process.arch
    ],
    { cwd: moduleCopy, stdio: 'inherit' }
  )
  if (prebuilt.status !== 0) {
    // npm tells scripts where its bundled node-gyp is; outside npm, fall back to npx.
    const gyp = process.env.npm_config_node_gyp
    const [command, prefix] = gyp ? [process.execPath, [gyp]] : ['npx', ['--yes', 'node-gyp']]
    const built = spawnSync(
      command,
      [
        ...prefix,
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        '--runtime=electron',
        '--dist-url=https://electronjs.org/headers'
      ],
      { cwd: moduleCopy, stdio: 'inherit' }
    )
    if (built.status !== 0 || !existsSync(binding)) {
      explainAndExit(`DNPU Lab could not prepare its SQLite driver for Electron ${electronVersion}
        (neither a prebuilt binary nor a local build with node-gyp worked; see the messages above).
        The browser mode does not need it: run "npx dnpu serve".`)
    }
  }
}

// 3. Build and launch through electron-vite.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
process.stderr.write(`Starting ${pkg.productName} ${pkg.version}...\n`)
const electronVite = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
const child = spawn(process.execPath, [electronVite, 'preview', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DNPU_SQLITE_BINDING: binding }
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
