// Picks the tfjs backend once per process: native TensorFlow (tfjs-node, optional dependency)
// when it is installed, else WebAssembly, else plain JS. All surrogate forwards run on it.
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { toUnpackedPath } from './asar-unpacked.js'
import { TFJS_WASM_PACKAGE } from './tfjs-wasm-package.js'

export type ComputeBackendName = 'tensorflow' | 'wasm' | 'cpu'

export const COMPUTE_BACKEND_NAMES: readonly ComputeBackendName[] = ['tensorflow', 'wasm', 'cpu']

const ENV_OVERRIDE = 'DNPU_COMPUTE_BACKEND'

let activeBackend: ComputeBackendName | null = null
let pendingInit: Promise<ComputeBackendName> | null = null

function isBackendName(value: string): value is ComputeBackendName {
  return (COMPUTE_BACKEND_NAMES as readonly string[]).includes(value)
}

function readEnvOverride(): ComputeBackendName | undefined {
  // `process` is absent if core is ever bundled for a browser context.
  const raw = typeof process === 'undefined' ? undefined : process.env[ENV_OVERRIDE]
  if (raw === undefined || raw.trim() === '') return undefined
  const value = raw.trim().toLowerCase()
  if (!isBackendName(value)) {
    throw new Error(`${ENV_OVERRIDE} must be one of ${COMPUTE_BACKEND_NAMES.join('|')}, got '${raw}'`)
  }
  return value
}

async function tryTensorflow(): Promise<boolean> {
  try {
    // Held in a variable so neither TypeScript nor the bundler insists the optional package exists.
    const specifier = '@tensorflow/tfjs-node'
    await import(/* @vite-ignore */ specifier)
    // tfjs-node registers 'tensorflow' on its own copy of tfjs-core; if that copy is not ours
    // (version mismatch), setBackend fails here and we fall back.
    return await tf.setBackend('tensorflow')
  } catch {
    return false
  }
}

export { TFJS_WASM_PACKAGE }

/**
 * The folder of tfjs's .wasm binaries as a real folder on disk: the package's dist folder, or in
 * a packaged app its copy in app.asar.unpacked (the loader reads the files itself).
 */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url)
  return toUnpackedPath(path.dirname(require.resolve(TFJS_WASM_PACKAGE)))
}

async function tryWasm(): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    // In Node the .wasm binaries are not fetched over HTTP: point the loader at the folder on
    // disk. setWasmPaths needs the trailing '/' (a plain prefix is concatenated with the file
    // name); '/' also works in Windows file paths.
    wasm.setWasmPaths(wasmBinaryFolder() + '/')
    return await tf.setBackend('wasm')
  } catch {
    return false
  }
}

async function useCpu(): Promise<boolean> {
  const ok = await tf.setBackend('cpu')
  // The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on
  // its first tensor write. Mark it as already used so users of the CLI do not see it; this is
  // an internal field, so it is set defensively and ignored if it ever disappears.
  const cpuBackend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null
  if (cpuBackend && 'firstUse' in cpuBackend) cpuBackend.firstUse = false
  return ok
}

async function selectBackend(preferred: ComputeBackendName | undefined): Promise<ComputeBackendName> {
  const start = readEnvOverride() ?? preferred ?? 'tensorflow'
  // Fall back along tensorflow -> wasm -> cpu from the requested starting point.
  const candidates = COMPUTE_BACKEND_NAMES.slice(COMPUTE_BACKEND_NAMES.indexOf(start))
  for (const name of candidates) {
    const ok = name === 'tensorflow' ? await tryTensorflow() : name === 'wasm' ? await tryWasm() : await useCpu()
    if (ok) {
      await tf.ready()
      return name
    }
  }
  throw new Error('no tfjs compute backend could be initialised (not even cpu)')
}

/**
 * Initialise the compute backend. Idempotent: later calls (whatever they prefer) return the
 * backend chosen by the first call. `DNPU_COMPUTE_BACKEND=cpu|wasm|tensorflow` overrides
 * `preferred`; an unavailable choice falls back along tensorflow -> wasm -> cpu.
 */
export function initComputeBackend(preferred?: ComputeBackendName): Promise<ComputeBackendName> {
  if (pendingInit === null) {
    pendingInit = selectBackend(preferred).then(
      (name) => {
        activeBackend = name
        return name
      },
      (error: unknown) => {
        pendingInit = null // allow a retry after a failure
        throw error
      }
    )
  }
  return pendingInit
}

/** The backend chosen by initComputeBackend, or null before it finished. */
export function getComputeBackend(): ComputeBackendName | null {
  return activeBackend
}
