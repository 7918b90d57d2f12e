#!/usr/bin/env node
/**
 * `npm run package` / `npm run package:dir`: build the app, then run electron-builder
 * (electron-builder.yml) with the arguments given, e.g. `--dir`, `--linux deb`, `--win`.
 *
 * electron-builder rebuilds the native modules for Electron's ABI in node_modules, in place. The
 * CLI, `npm test` and `dnpu serve` run under Node and need Node's build, so this script keeps a
 * copy of each native module's build folder and puts it back afterwards, also when the packaging
 * fails half-way (without internet the rebuild cannot download Electron's headers, and node-gyp
 * removes the old build before it tries).
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
// The packages with a native build folder that electron-builder's rebuild may replace.
const NATIVE_PACKAGES = ['better-sqlite3', '@serialport/bindings-cpp']

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit', shell: process.platform === 'win32' })
  return result.status ?? 1
}

/**
 * The environment of electron-builder. An npm `nodedir` setting (npm passes it on as
 * npm_config_nodedir) makes node-gyp compile against that Node's headers instead of Electron's:
 * the "Electron" build of better-sqlite3 would then carry Node's ABI and fail to load in the app.
 */
function builderEnvironment() {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (name.toLowerCase() === 'npm_config_nodedir') delete env[name]
  }
  return env
}

function saveNativeBuilds(backupFolder) {
  return NATIVE_PACKAGES.map((name) => {
    const buildFolder = join(dirname(require.resolve(`${name}/package.json`, { paths: [root] })), 'build')
    const backup = join(backupFolder, name.replace('/', '+'))
    const existed = existsSync(buildFolder)
    if (existed) cpSync(buildFolder, backup, { recursive: true })
    return { buildFolder, backup, existed }
  })
}

function restoreNativeBuilds(saved) {
  for (const { buildFolder, backup, existed } of saved) {
    rmSync(buildFolder, { recursive: true, force: true })
    if (existed) cpSync(backup, buildFolder, { recursive: true })
  }
}

const builtStatus = run('npm', ['run', 'build'])
if (builtStatus !== 0) process.exit(builtStatus)

const backupFolder = mkdtempSync(join(tmpdir(), 'dnpu-native-builds-'))
const saved = saveNativeBuilds(backupFolder)
let status = 1
try {
  status = run(
    process.execPath,
    [
      require.resolve('electron-builder/cli.js', { paths: [root] }),
      '--config',
      'electron-builder.yml',
      ...process.argv.slice(2)
    ],
    builderEnvironment()
  )
} finally {
  restoreNativeBuilds(saved)
  rmSync(backupFolder, { recursive: true, force: true })
}
if (status !== 0) {
  process.stderr.write(
    '\nPackaging failed. electron-builder downloads the Electron runtime, Electron headers (native ' +
      'rebuild) and, per target, its tools (AppImage, NSIS, fpm for deb) on first use: without ' +
      'internet access it cannot finish. The Node build of the native modules was put back.\n'
  )
}
process.exit(status)
