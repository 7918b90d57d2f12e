/** `dnpu bench`, run as a user runs it (the built CLI in a child process). */
import { describe, expect, it } from 'vitest'
import { dnpu, useBuiltCli } from './test-support'

useBuiltCli('dnpu-bench-')

describe('dnpu bench', () => {
  it('prints every figure, the machine and the targets as one JSON object (quick, 2 threads)', () => {
    const result = dnpu(['bench', '--quick', '--json', '--workers', '2'], 300_000)
    expect(result.status, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as Record<string, unknown>
    for (const key of [
      'gaXorMsPerGeneration',
      'ga100x1000SecondsPerGeneration',
      'gdRingSecondsPerEpoch',
      'forwardSamplesPerSecond',
      'forwardBackwardSamplesPerSecond',
      'surrogateTrainSamplesPerSecond'
    ]) {
      expect(report[key], key).toBeGreaterThan(0)
      expect(Number.isFinite(report[key]), key).toBe(true)
    }
    // The training figure's reference is PyTorch's on the same kind of machine (figures.ts).
    expect(report).toMatchObject({
      reference: { surrogateTrainSamplesPerSecond: 1.89e4 },
      targets: { surrogateTrainSamplesPerSecond: { atLeast: 1.89e4 } },
      targetsMet: { surrogateTrainSamplesPerSecond: expect.any(Boolean) }
    })
    expect(report).toMatchObject({
      workers: 2,
      computeBackend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/),
      machine: expect.any(Object),
      targets: expect.any(Object)
    })
  })

  it('refuses a bad worker count naming the option', () => {
    const result = dnpu(['bench', '--workers', '0'])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/--workers must be at least 1/)
  })
})
