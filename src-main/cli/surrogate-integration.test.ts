/**
 * From a device to a trained surrogate over the real serial path: `dnpu sim --pty --model X.pt`
 * (socat) plays an imported model as the device; the built CLI calibrates it, samples three
 * minutes of it, trains a surrogate of it, and trains XOR on the new model. Nothing is mocked.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  calibrate,
  dnpu,
  expectInsideCalibration,
  hasSocat,
  repoRoot,
  simulatorLog,
  uploads,
  useBuiltCli,
  useSimulators
} from './test-support'

const freshFolder = useBuiltCli('dnpu-surrogate-')
const startSimulator = useSimulators()

/** The device: the demo surrogate, imported like any lab's .pt file. */
const DEVICE_MODEL = join(repoRoot, 'resources', 'demo-surrogate.pt')

describe.skipIf(!hasSocat)('dnpu sample + surrogate train over a real PTY (socat)', () => {
  it('samples 3 minutes of a device, trains a surrogate of it (test correlation >= 0.98), then XOR on it', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder, ['--model', DEVICE_MODEL])
    const ranges = calibrate(port, data)
    const calibrationUploads = uploads(log).length

    const sample = dnpu(['sample', '--port', port, '--duration', '180', '--json', '--data-dir', data])
    expect(sample.status, sample.stderr).toBe(0)
    const dataset = JSON.parse(sample.stdout) as { id: number; status: string; sampleCount: number; keptCount: number }
    expect(dataset).toMatchObject({ id: 1, status: 'complete', sampleCount: 180_000 })
    // Sampling never left the calibration, and ended with the outputs at 0 V.
    expectInsideCalibration(uploads(log).slice(calibrationUploads), ranges)
    expect(simulatorLog(log).at(-1)).toMatchObject({ kind: 'outputs', event: 'abort', toVolts: [0, 0, 0, 0, 0, 0, 0] })

    // A smaller network than the default, so the test trains in seconds; the figures are the point.
    const trained = dnpu(
      ['surrogate', 'train', '1', '--hidden', '64,64,64', '--epochs', '8', '--lr', '0.003', '--seed', '1'].concat([
        '--name',
        'Sampled demo',
        '--json',
        '--data-dir',
        data
      ])
    )
    expect(trained.status, trained.stderr).toBe(0)
    const result = JSON.parse(trained.stdout) as {
      runId: number
      status: string
      modelId: string
      epochs: number
      test: { correlation: number; rmseNanoamps: number; sampleCount: number }
      sampleCounts: { train: number; validation: number; test: number }
      history: { trainLoss: number[]; valLoss: number[] }
    }
    expect(result).toMatchObject({ runId: 1, status: 'completed', epochs: 8 })
    expect(result.test.correlation).toBeGreaterThanOrEqual(0.98)
    expect(result.sampleCounts.train + result.sampleCounts.validation + result.sampleCounts.test).toBe(
      dataset.keptCount
    )
    expect(result.history.valLoss).toHaveLength(8)

    const models = JSON.parse(dnpu(['models', 'list', '--json', '--data-dir', data]).stdout) as {
      id: string
      name: string
      source: string
    }[]
    expect(models.find((model) => model.id === result.modelId)).toMatchObject({
      name: 'Sampled demo',
      source: 'trained'
    })

    // The new model is usable at once: XOR on it.
    const xor = dnpu(
      [
        'train',
        'ga',
        '--task',
        'xor',
        '--model',
        result.modelId,
        '--generations',
        '30',
        '--seed',
        '3',
        '--json'
      ].concat(['--data-dir', data])
    )
    expect(xor.status, xor.stderr).toBe(0)
    const xorRun = JSON.parse(xor.stdout) as { runId: number; status: string }
    expect(xorRun.status).toBe('completed')
    const shown = JSON.parse(dnpu(['runs', 'show', String(xorRun.runId), '--json', '--data-dir', data]).stdout) as {
      modelId: string
    }
    expect(shown.modelId).toBe(result.modelId)
  }, 300_000)

  it('refuses to train on a dataset that does not exist, with exit code 2', () => {
    const data = join(freshFolder(), 'data')
    const refused = dnpu(['surrogate', 'train', '4', '--data-dir', data])
    expect(refused).toMatchObject({ status: 2, stderr: 'dnpu: DATASET_ID: datasetId: no dataset 4\n' })
    const bad = dnpu(['surrogate', 'train', '1', '--hidden', '90,x', '--data-dir', data])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--hidden: expected layer sizes such as 90,90,90')
  })
})
