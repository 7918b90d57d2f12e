/**
 * `dnpu surrogate check` over the real serial path: `dnpu sim --pty --model FILE` (socat) as the
 * device, the built CLI on the other end, the same model file imported into the store. Checks
 * what the CLI prints, what it stored, and what the simulated instrument logged of every stream.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ModelCheckHistory, ModelCheckOutcome } from '../../src-shared/ipc'
import { dnpu, hasSocat, repoRoot, simulatorLog, useBuiltCli, useSimulators } from './test-support'

const freshFolder = useBuiltCli('dnpu-surrogate-check-')
const startSimulator = useSimulators()
const MODEL_FILE = join(repoRoot, 'resources', 'demo-surrogate.pt')
const NOISE_NANOAMPS = 0.5

interface UploadLine {
  outcome: 'accepted' | 'rejected'
  minVolts: number[]
  maxVolts: number[]
  firstVolts: number[]
  lastVolts: number[]
}

function uploads(log: string): UploadLine[] {
  return simulatorLog(log).filter((line) => !('kind' in line)) as unknown as UploadLine[]
}

describe.skipIf(!hasSocat)('dnpu surrogate check over a real PTY (socat)', () => {
  it('the first check stores the reference; the second reports drift at noise level and a small model error', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder, ['--model', MODEL_FILE, '--noise-std', String(NOISE_NANOAMPS)])
    const imported = dnpu(['models', 'import', MODEL_FILE, '--name', 'chip 7', '--json', '--data-dir', data])
    expect(imported.status, imported.stderr).toBe(0)
    const modelId = (JSON.parse(imported.stdout) as { id: string }).id

    const uncalibrated = dnpu(['surrogate', 'check', modelId, '--port', port, '--data-dir', data])
    expect(uncalibrated.status).toBe(2)
    expect(uncalibrated.stderr).toMatch(
      /^dnpu: surrogate check: cannot check a model against the device: device profile ".+" has no calibration; calibrate it first/
    )
    expect(uploads(log)).toEqual([])

    const calibrate = dnpu(['calibrate', '--port', port, '--points', '12', '--json', '--data-dir', data])
    expect(calibrate.status, calibrate.stderr).toBe(0)
    const ranges = (
      JSON.parse(calibrate.stdout) as { electrodes: { suggestedRange: [number, number] }[] }
    ).electrodes.map((e) => e.suggestedRange)
    const calibrationUploads = uploads(log).length

    const first = dnpu(['surrogate', 'check', modelId, '--port', port, '--data-dir', data])
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toMatch(
      new RegExp(
        `^model ${modelId} "chip 7" checked against the device: 512 points, profile 1, calibration 1\\n  first check: this batch is the reference \\(stored now; later checks measure it again\\)\\n  drift RMSE: +0\\.000 nA \\(0\\.00 %\\)`
      )
    )
    const second = dnpu(['surrogate', 'check', modelId, '--port', port, '--json', '--data-dir', data])
    expect(second.status, second.stderr).toBe(0)
    const outcome = JSON.parse(second.stdout) as ModelCheckOutcome
    expect(outcome).toMatchObject({
      modelId,
      modelName: 'chip 7',
      firstCheck: false,
      reference: { source: 'first-check', pointCount: 512 }
    })
    const c = outcome.check
    // Two measurements of the same points differ by the noise only (plateau-averaged: below its std).
    expect(c.driftRmseNanoamps).toBeGreaterThan(0)
    expect(c.driftRmseNanoamps).toBeLessThan(NOISE_NANOAMPS)
    expect(c.modelRmseNanoamps).toBeLessThan(NOISE_NANOAMPS)
    expect(c.referenceModelRmseNanoamps).toBeLessThan(NOISE_NANOAMPS)
    expect(c.correlation).toBeGreaterThan(0.999)
    console.info(
      `surrogate check figures: range ${c.outputRangeNanoamps.toFixed(2)} nA, drift ${c.driftRmseNanoamps.toFixed(4)} nA, model now ${c.modelRmseNanoamps.toFixed(4)} nA, at training ${c.referenceModelRmseNanoamps.toFixed(4)} nA, r ${c.correlation}`
    )

    // Every check stream inside the calibration, from 0 V back to 0 V, and accepted; then ABOR.
    const checking = uploads(log).slice(calibrationUploads)
    expect(checking.length).toBeGreaterThanOrEqual(2)
    for (const upload of checking) {
      expect(upload.outcome).toBe('accepted')
      ranges.forEach(([min, max], electrode) => {
        expect(upload.minVolts[electrode]).toBeGreaterThanOrEqual(Math.fround(min))
        expect(upload.maxVolts[electrode]).toBeLessThanOrEqual(Math.fround(max))
        expect(upload.firstVolts[electrode]).toBe(0)
        expect(upload.lastVolts[electrode]).toBe(0)
      })
    }
    expect(simulatorLog(log).at(-1)).toMatchObject({ kind: 'outputs', event: 'abort', toVolts: [0, 0, 0, 0, 0, 0, 0] })

    const history = JSON.parse(
      dnpu(['surrogate', 'checks', modelId, '--json', '--data-dir', data]).stdout
    ) as ModelCheckHistory
    expect(history.checks.map((check) => check.id)).toEqual([c.id, c.id - 1])
    expect(history.checks[1]).toMatchObject({ driftRmseNanoamps: 0, note: 'first check: this batch is the reference' })
    const listed = dnpu(['surrogate', 'checks', modelId, '--data-dir', data])
    expect(listed.stdout.split('\n')[0]).toMatch(
      /^model \d+: reference batch of 512 points \(first-check\), stored .+, calibration 1$/
    )
    expect(listed.stdout.split('\n')).toHaveLength(4)
  })

  it('a pulled cable ends the check with exit 1 and stores neither a reference nor a check', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    // 7 calibration sweeps, then the link drops at the check's first acquisition.
    const { port } = await startSimulator(folder, ['--model', MODEL_FILE, '--fault', 'disconnect-after=7'])
    const imported = dnpu(['models', 'import', MODEL_FILE, '--json', '--data-dir', data])
    const modelId = (JSON.parse(imported.stdout) as { id: string }).id
    expect(dnpu(['calibrate', '--port', port, '--points', '12', '--data-dir', data]).status).toBe(0)
    const cut = dnpu(['surrogate', 'check', modelId, '--port', port, '--data-dir', data])
    expect(cut.status).toBe(1)
    expect(cut.stderr).toMatch(/^dnpu: surrogate check: .*(closed|unplugged|lost)/)
    const history = JSON.parse(
      dnpu(['surrogate', 'checks', modelId, '--json', '--data-dir', data]).stdout
    ) as ModelCheckHistory
    expect(history).toEqual({ modelId, reference: null, checks: [] })
  })

  it('refuses an unknown or bundled model with exit 2 before opening the port', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder)
    expect(dnpu(['surrogate', 'check', '42', '--port', port, '--data-dir', data])).toMatchObject({
      status: 2,
      stderr: 'dnpu: surrogate check: modelId: no model "42"\n'
    })
    expect(dnpu(['surrogate', 'check', 'demo', '--port', port, '--data-dir', data])).toMatchObject({
      status: 2,
      stderr:
        'dnpu: surrogate check: cannot check model demo against the device: it is bundled with the app; checks are kept for imported or trained models (import its file to check it)\n'
    })
    expect(dnpu(['surrogate', 'checks', '42', '--data-dir', data])).toMatchObject({ status: 2 })
    expect(simulatorLog(log)).toEqual([])
  })
})
