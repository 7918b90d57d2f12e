import * as tf from '@tensorflow/tfjs'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'

// Each test re-imports the module so it starts with no backend chosen; tfjs's engine itself is
// process-global, so the backend in use before this file is restored at the end.
const backendBefore = tf.getBackend()

afterEach(() => {
  vi.unstubAllEnvs()
  vi.resetModules()
})

afterAll(async () => {
  if (backendBefore) await tf.setBackend(backendBefore)
})

describe('initComputeBackend', () => {
  it('loads the fastest available backend, idempotently, and tfjs really uses it', async () => {
    vi.stubEnv('DNPU_COMPUTE_BACKEND', '') // empty = no override, even if the shell sets one
    vi.resetModules()
    const { initComputeBackend, getComputeBackend } = await import('./compute-backend.js')
    expect(getComputeBackend()).toBeNull()
    const name = await initComputeBackend()
    // tfjs-node is optional and not installed on the CI/dev machines; wasm must load in Node.
    expect(['tensorflow', 'wasm']).toContain(name)
    expect(tf.getBackend()).toBe(name)
    expect(getComputeBackend()).toBe(name)
    expect(await initComputeBackend('cpu')).toBe(name)
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync())
    expect(sum).toEqual([4, 6])
  })

  it('honours DNPU_COMPUTE_BACKEND', async () => {
    vi.stubEnv('DNPU_COMPUTE_BACKEND', 'cpu')
    const { initComputeBackend } = await import('./compute-backend.js')
    expect(await initComputeBackend('wasm')).toBe('cpu')
    expect(tf.getBackend()).toBe('cpu')
  })

  it('rejects an unknown DNPU_COMPUTE_BACKEND value', async () => {
    vi.stubEnv('DNPU_COMPUTE_BACKEND', 'gpu')
    const { initComputeBackend } = await import('./compute-backend.js')
    await expect(initComputeBackend()).rejects.toThrow(/DNPU_COMPUTE_BACKEND/)
  })
})
