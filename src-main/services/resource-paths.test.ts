import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { toUnpackedPath } from '../core/asar-unpacked'
import { PACKAGED_MARKER, resolveResourcePaths, resourcePathsForInstall } from './resource-paths'

const WASM_DIST = join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')

describe('resolveResourcePaths', () => {
  it('in a clone, finds everything under the repository root', () => {
    const root = join('/home', 'lab', 'dnpu-lab')
    expect(resolveResourcePaths({ isPackaged: false, resourcesPath: '/unused', appRoot: root })).toEqual({
      resourcesFolder: join(root, 'resources'),
      demoSurrogateFile: join(root, 'resources', 'demo-surrogate.pt'),
      appFolder: root,
      unpackedAppFolder: root,
      wasmFolder: join(root, WASM_DIST),
      mainChunksFolder: join(root, 'out', 'main', 'chunks'),
      cliLauncherFile: join(root, 'bin', 'dnpu.js')
    })
  })

  it('when packaged, reads code from app.asar, real files from app.asar.unpacked and the demo from resources/', () => {
    const resourcesPath = join('/opt', 'DNPU Lab', 'resources')
    const archive = join(resourcesPath, 'app.asar')
    const paths = resolveResourcePaths({ isPackaged: true, resourcesPath, appRoot: archive })
    expect(paths).toMatchObject({
      resourcesFolder: join(resourcesPath, 'resources'),
      demoSurrogateFile: join(resourcesPath, 'resources', 'demo-surrogate.pt'),
      unpackedAppFolder: join(resourcesPath, 'app.asar.unpacked'),
      wasmFolder: join(resourcesPath, 'app.asar.unpacked', WASM_DIST),
      mainChunksFolder: join(archive, 'out', 'main', 'chunks')
    })
    // compute-backend.ts maps the folder Electron resolves inside the archive to the same place.
    expect(toUnpackedPath(join(archive, WASM_DIST))).toBe(paths.wasmFolder)
  })
})

describe('toUnpackedPath', () => {
  it('moves a path inside an archive to its unpacked twin, once, and leaves other paths alone', () => {
    expect(toUnpackedPath('/r/app.asar/node_modules/x.wasm')).toBe('/r/app.asar.unpacked/node_modules/x.wasm')
    expect(toUnpackedPath('C:\\r\\app.asar\\x.wasm')).toBe('C:\\r\\app.asar.unpacked\\x.wasm')
    expect(toUnpackedPath('/r/app.asar.unpacked/x.wasm')).toBe('/r/app.asar.unpacked/x.wasm')
    expect(toUnpackedPath('/r/app.asar')).toBe('/r/app.asar.unpacked')
    expect(toUnpackedPath('/home/lab/my.asarfiles/x.wasm')).toBe('/home/lab/my.asarfiles/x.wasm')
  })
})

describe('resourcePathsForInstall (the CLI)', () => {
  let folder = ''
  afterEach(() => rmSync(folder, { recursive: true, force: true }))

  function install(packageJson: Record<string, unknown>): string {
    folder = mkdtempSync(join(tmpdir(), 'dnpu-resource-paths-'))
    const root = join(folder, 'resources', 'app')
    mkdirSync(root, { recursive: true })
    writeFileSync(join(root, 'package.json'), JSON.stringify(packageJson))
    return root
  }

  it('in a clone, takes resources/ inside the root and the version from package.json', () => {
    const root = install({ version: '1.2.3' })
    expect(resourcePathsForInstall(root)).toMatchObject({ version: '1.2.3', resourcesFolder: join(root, 'resources') })
  })

  it('in a packaged copy (the marker electron-builder adds), takes resources/ beside it, as the desktop app does', () => {
    const root = install({ version: '1.2.3', [PACKAGED_MARKER]: true })
    expect(resourcePathsForInstall(root).resourcesFolder).toBe(join(folder, 'resources', 'resources'))
  })
})
