/**
 * Test helper: a worker entry bundled from source. vitest does not know electron-vite's
 * `?nodeWorker`, and Node 20 cannot run a .ts worker, so the entry is bundled with vite (the
 * bundler electron-vite uses; dependencies stay external) into a temporary folder that links this
 * repo's node_modules. Returns the bundled file; `remove()` deletes the folder.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { build } from 'vite'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..')

export interface BundledWorker {
  file: string
  remove(): void
}

export async function bundleWorker(entry: string): Promise<BundledWorker> {
  const name = basename(entry).replace(/\.ts$/, '')
  const folder = mkdtempSync(join(tmpdir(), `dnpu-${name}-`))
  // Bare imports in the bundle (@tensorflow/*, fflate) resolve through this link to the repo's packages.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(folder, 'node_modules'), 'junction')
  await build({
    configFile: false,
    logLevel: 'warn',
    root: REPO_ROOT,
    build: {
      ssr: entry,
      outDir: join(folder, 'out'),
      emptyOutDir: true,
      minify: false,
      rolldownOptions: { output: { format: 'es', entryFileNames: `${name}.mjs` } }
    }
  })
  return { file: join(folder, 'out', `${name}.mjs`), remove: () => rmSync(folder, { recursive: true, force: true }) }
}
