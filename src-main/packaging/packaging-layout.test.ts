/**
 * The installed app's layout, checked without the Electron runtime: electron-builder builds the
 * unpacked app (--dir) from electron-builder.yml against a stand-in Electron distribution, and
 * the test reads what it wrote. It then runs the packaged CLI under Node from an extracted copy
 * of the archive, which exercises the packaged build, its production node_modules, the trainer
 * worker, the .wasm binaries and the demo surrogate together.
 *
 * What it cannot check here: the native rebuild for Electron's ABI (it downloads Electron's
 * headers), the real Electron binary starting the app, and the installers (AppImage, deb, NSIS,
 * dmg), whose tools electron-builder downloads.
 */
import * as asar from '@electron/asar'
import { getCurrentFuseWire } from '@electron/fuses'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toUnpackedPath } from '../core/asar-unpacked'
import { resolveResourcePaths, type ResourcePaths } from '../services/resource-paths'
import {
  appVersion,
  buildUnpackedApp,
  devDependencyNames,
  devOnlyPackages,
  REPO_ROOT,
  type UnpackedBuild
} from './test-support'

const BUILD_TIMEOUT_MS = 600_000
const CLI_TIMEOUT_MS = 120_000
// The packages whose absence the issue names; every other dev-only package is caught by the lock.
const NEVER_PACKAGED = ['electron', 'electron-vite', 'vite', 'svelte', 'typescript', 'eslint', 'vitest', 'playwright']
const NATIVE_BINARIES = [
  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  // The test builds for Linux on this machine's architecture (test-support.ts).
  `node_modules/@serialport/bindings-cpp/prebuilds/linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`
]

/** Runs the packaged `dnpu` launcher with this Node, on a data folder of its own. */
function runPackagedCli(launcher: string, dataFolder: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DNPU_DATA_DIR: dataFolder }
  // The packaged app picks its own compute backend: nothing from the test's environment.
  delete env.DNPU_COMPUTE_BACKEND
  delete env.DNPU_TEST_FAULT
  const result = spawnSync(process.execPath, [launcher, ...args], {
    env,
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('packaged layout (native rebuild off: Electron headers cannot be downloaded here)', () => {
  let tempRoot: string
  let unpacked: UnpackedBuild
  let archive: string
  let archiveFiles: string[]
  let paths: ResourcePaths

  beforeAll(async () => {
    tempRoot = mkdtempSync(join(tmpdir(), 'dnpu-packaging-'))
    unpacked = await buildUnpackedApp(join(tempRoot, 'release'), join(tempRoot, 'electron-dist'))
    archive = join(unpacked.resourcesPath, 'app.asar')
    // Archive paths with '/' and no leading separator, whatever the OS lists them with.
    archiveFiles = asar
      .listPackage(archive, { isPack: false })
      .map((file) => file.split(sep).join('/').replace(/^\//, ''))
    paths = resolveResourcePaths({ isPackaged: true, resourcesPath: unpacked.resourcesPath, appRoot: archive })
    const megabytes = (statSync(archive).size / 1024 / 1024).toFixed(1)
    console.info(`electron-builder --dir: ${unpacked.seconds.toFixed(1)} s; app.asar ${megabytes} MB`)
  }, BUILD_TIMEOUT_MS)

  afterAll(() => {
    if (tempRoot) rmSync(tempRoot, { recursive: true, force: true })
  })

  it('app.asar holds the built main process, CLI, preload, renderer, trainer worker and launcher, and no sources', () => {
    for (const file of [
      'package.json',
      'out/main/index.js',
      'out/main/cli.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'bin/dnpu.js',
      'bin/package.json'
    ]) {
      expect(archiveFiles, file).toContain(file)
    }
    // electron-builder keeps what the app needs of package.json, marks it packaged (the CLI reads
    // the mark) and drops the scripts and devDependencies.
    const packageJson = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as Record<
      string,
      unknown
    >
    expect(packageJson).toMatchObject({ main: 'out/main/index.js', type: 'module', dnpuPackaged: true })
    expect(packageJson).not.toHaveProperty('devDependencies')
    expect(packageJson).not.toHaveProperty('scripts')
    const chunksFolder = relative(archive, paths.mainChunksFolder).split(sep).join('/')
    const chunks = archiveFiles.filter((file) => file.startsWith(`${chunksFolder}/`))
    expect(chunks.some((file) => /\/trainer-worker-[\w-]+\.js$/.test(file))).toBe(true)
    expect(chunks.some((file) => /\/surrogate-reader-worker-[\w-]+\.js$/.test(file))).toBe(true)
    // Every worker file a chunk starts (`new URL("./x.js", import.meta.url)`) sits beside it.
    for (const chunk of chunks) {
      const text = asar.extractFile(archive, chunk).toString('utf8')
      for (const match of text.matchAll(/new URL\("\.\/([\w.-]+\.js)", import\.meta\.url\)/g)) {
        expect(archiveFiles, `${chunk} starts ${match[1]}`).toContain(`${chunksFolder}/${match[1]}`)
      }
    }
    const sources = archiveFiles.filter((file) =>
      /^(src-[a-z]+|e2e|scripts|docs|resources|node_modules\/dnpu-cli)(\/|$)/.test(file)
    )
    expect(sources).toEqual([])
    expect(archiveFiles.filter((file) => file.endsWith('.ts') || file.endsWith('.map'))).toEqual([])
    // Nor the leftovers of a from-source native build: only the .node files load.
    const buildLeftovers = archiveFiles.filter((file) =>
      /\/build\/Release\/(obj|obj\.target|\.deps)\/|\/build\/Release\/[^/]+\.a$|test_extension\.node$/.test(file)
    )
    expect(buildLeftovers).toEqual([])
  })

  it("app.asar.unpacked holds better-sqlite3's and serialport's native binaries", () => {
    for (const binary of NATIVE_BINARIES) {
      const onDisk = join(paths.unpackedAppFolder, binary)
      expect(existsSync(onDisk), onDisk).toBe(true)
    }
    const serialportBinaries = readdirSync(join(paths.unpackedAppFolder, NATIVE_BINARIES[1]))
    expect(serialportBinaries.some((file) => file.endsWith('.node'))).toBe(true)
    // The archive lists them as unpacked, so Electron maps their paths into app.asar.unpacked.
    const sqliteEntry = asar.statFile(archive, NATIVE_BINARIES[0]) as { unpacked?: boolean }
    expect(sqliteEntry.unpacked).toBe(true)
    const unpackedNodeFiles = archiveFiles.filter((file) => file.endsWith('.node'))
    for (const file of unpackedNodeFiles) {
      expect(existsSync(join(paths.unpackedAppFolder, file)), file).toBe(true)
    }
  })

  it('the .wasm binaries and the demo surrogate are real files where the packaged path resolution says', () => {
    const wasmFiles = readdirSync(paths.wasmFolder).filter((file) => file.endsWith('.wasm'))
    expect(wasmFiles.sort()).toEqual([
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
      'tfjs-backend-wasm.wasm'
    ])
    // compute-backend.ts maps the package folder Electron resolves (inside app.asar) the same way.
    const resolvedInsideArchive = join(archive, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')
    expect(toUnpackedPath(resolvedInsideArchive)).toBe(paths.wasmFolder)
    expect(paths.demoSurrogateFile).toBe(join(unpacked.resourcesPath, 'resources', 'demo-surrogate.pt'))
    expect(statSync(paths.demoSurrogateFile).size).toBe(
      statSync(join(REPO_ROOT, 'resources', 'demo-surrogate.pt')).size
    )
  })

  it("electron-builder flipped the configured fuses in the app's executable", async () => {
    const wire = (await getCurrentFuseWire(unpacked.executable)) as unknown as Record<number, number>
    const on = '1'.charCodeAt(0)
    const off = '0'.charCodeAt(0)
    expect({
      runAsNode: wire[0],
      enableCookieEncryption: wire[1],
      enableNodeOptionsEnvironmentVariable: wire[2],
      enableNodeCliInspectArguments: wire[3],
      enableEmbeddedAsarIntegrityValidation: wire[4],
      onlyLoadAppFromAsar: wire[5]
    }).toEqual({
      runAsNode: off,
      enableCookieEncryption: on,
      enableNodeOptionsEnvironmentVariable: off,
      enableNodeCliInspectArguments: off,
      enableEmbeddedAsarIntegrityValidation: on,
      onlyLoadAppFromAsar: on
    })
  })

  it('no devDependency, nor a package only they need, is packaged', () => {
    const packageJsons = archiveFiles.filter((file) =>
      /^node_modules\/(?:.+\/node_modules\/)?(?:@[^/]+\/)?[^/@]+\/package\.json$/.test(file)
    )
    const packaged = packageJsons.map((file) => {
      const { name, version } = JSON.parse(asar.extractFile(archive, file).toString('utf8')) as {
        name: string
        version: string
      }
      return `${name}@${version}`
    })
    expect(packaged.length).toBeGreaterThan(20)
    const devOnly = devOnlyPackages()
    expect(packaged.filter((entry) => devOnly.has(entry))).toEqual([])
    const names = new Set(packaged.map((entry) => entry.slice(0, entry.lastIndexOf('@'))))
    expect([...NEVER_PACKAGED, ...devDependencyNames()].filter((name) => names.has(name))).toEqual([])
  })

  describe('the packaged CLI, run with Node from the archive extracted beside it', () => {
    let launcher: string
    let dataFolder: string

    beforeAll(() => {
      // Where Electron would look for an unarchived app: the CLI finds resources/ beside it.
      const extracted = join(unpacked.resourcesPath, 'app')
      asar.extractAll(archive, extracted)
      launcher = resolveResourcePaths({
        isPackaged: true,
        resourcesPath: unpacked.resourcesPath,
        appRoot: extracted
      }).cliLauncherFile
      dataFolder = join(tempRoot, 'data')
    })

    it('info --json names the WebAssembly backend', () => {
      const result = runPackagedCli(launcher, dataFolder, ['info', '--json'])
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({ version: appVersion(), computeBackend: 'wasm', dataFolder })
    })

    it('train ga --task xor completes a run on the bundled demo surrogate', () => {
      const result = runPackagedCli(launcher, dataFolder, [
        'train',
        'ga',
        '--task',
        'xor',
        '--json',
        '--seed',
        '1',
        '--generations',
        '5',
        '--data-dir',
        dataFolder
      ])
      expect(result.status, result.stderr).toBe(0)
      const run = JSON.parse(result.stdout) as Record<string, unknown>
      expect(run).toMatchObject({
        algorithm: 'ga',
        status: 'completed',
        seed: 1,
        generations: 5,
        computeBackend: 'wasm'
      })
      expect(run.bestCorrelation).toBeGreaterThan(0.5)
      expect(run.bestCorrelation).toBeLessThanOrEqual(1)
    })
  })
})
