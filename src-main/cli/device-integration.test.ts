/**
 * The real serial path end to end: `dnpu sim --pty` (socat makes a PTY pair; the simulated
 * instrument holds one end) and the `dnpu` commands on the other end through serialport.
 * Nothing is mocked: the same driver, safety check and trainer a lab runs against hardware.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dnpu, hasSocat, simulatorLog, useBuiltCli, useSimulators } from './test-support'

const freshFolder = useBuiltCli('dnpu-device-')
const startSimulator = useSimulators()

interface UploadLine {
  outcome: 'accepted' | 'rejected'
  minVolts: number[]
  maxVolts: number[]
  firstVolts: number[]
  lastVolts: number[]
  limitsVolts: [number, number][]
}

/** The upload lines of the log (the others, e.g. each command's closing ABOR, have a `kind`). */
function uploads(log: string): UploadLine[] {
  return simulatorLog(log).filter((line) => !('kind' in line)) as unknown as UploadLine[]
}

function calibrate(port: string, data: string): { calibrationId: number; electrodes: { electrode: number; suggestedRange: [number, number] }[] } {
  const result = dnpu(['calibrate', '--port', port, '--points', '12', '--json', '--data-dir', data])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as ReturnType<typeof calibrate>
}

describe.skipIf(!hasSocat)('the instrument over a real PTY (socat)', () => {
  it('calibrates every electrode, finds XOR on the device, and never sent a stream outside the calibration', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder)

    const calibration = calibrate(port, data)
    expect(calibration.electrodes.map((e) => e.electrode)).toEqual([0, 1, 2, 3, 4, 5, 6])
    const uploadsDuringCalibration = uploads(log).length
    expect(uploadsDuringCalibration).toBe(7)

    const train = dnpu(['train', 'ga', '--task', 'xor', '--port', port, '--seed', '3', '--json', '--data-dir', data])
    expect(train.status, train.stderr).toBe(0)
    const run = JSON.parse(train.stdout) as { status: string; bestCorrelation: number; runId: number }
    expect(run.status).toBe('completed')
    expect(run.bestCorrelation).toBeGreaterThanOrEqual(0.9)

    const all = uploads(log)
    // The host checks every stream first: the instrument never had to refuse one.
    expect(all.filter((u) => u.outcome !== 'accepted')).toEqual([])
    const training = all.slice(uploadsDuringCalibration)
    expect(training.length).toBeGreaterThan(0)
    for (const upload of training) {
      calibration.electrodes.forEach(({ electrode, suggestedRange: [min, max] }) => {
        // Electrode n is on DAC channel n in a new profile; float32 rounding of the range allowed.
        expect(upload.minVolts[electrode]).toBeGreaterThanOrEqual(Math.fround(min))
        expect(upload.maxVolts[electrode]).toBeLessThanOrEqual(Math.fround(max))
        expect(upload.firstVolts[electrode]).toBe(0)
        expect(upload.lastVolts[electrode]).toBe(0)
        // The interlock was set from the same calibration at connect.
        expect(upload.limitsVolts[electrode]).toEqual([min, max])
      })
    }

    // Re-measuring the best genome is stored with the run.
    const shown = dnpu(['runs', 'show', String(run.runId), '--json', '--data-dir', data])
    expect(JSON.parse(shown.stdout)).toMatchObject({ device: { calibrationId: calibration.calibrationId } })
  })

  it('refuses to train on a device without a calibration, saying how to calibrate', async () => {
    const folder = freshFolder()
    const { port } = await startSimulator(folder)
    const result = dnpu(['train', 'ga', '--task', 'xor', '--port', port, '--data-dir', join(folder, 'data')])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('has no calibration; calibrate it first')
    expect(result.stderr).toContain(`dnpu calibrate --port ${port}`)
  })

  it('a disconnect mid-run ends the run interrupted with one clear line, and it resumes once the port is back', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    // 7 calibration sweeps, then 3 generations of training before the cable is "pulled".
    const { port } = await startSimulator(folder, ['--fault', 'disconnect-after=10'])
    calibrate(port, data)
    const train = dnpu(['train', 'ga', '--task', 'xor', '--port', port, '--seed', '3', '--stop-threshold', '2', '--generations', '8', '--data-dir', data])
    expect(train.status).toBe(1)
    const lastLine = train.stderr.trim().split('\n').at(-1)!
    expect(lastLine).toMatch(/^dnpu: run 1 interrupted: the instrument connection was lost: .*(closed|unplugged)/)
    const stored = JSON.parse(dnpu(['runs', 'show', '1', '--json', '--data-dir', data]).stdout) as { status: string; generations: number; resumable: boolean }
    expect(stored).toMatchObject({ status: 'interrupted', generations: 3, resumable: true })

    // The simulator brings its port back (state kept, as a replugged box keeps its state).
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const resumed = dnpu(['runs', 'resume', '1', '--port', port, '--json', '--data-dir', data])
    expect(resumed.status, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 1, status: 'completed', generations: 8 })
  })

  it('a stalled instrument ends the run with a timeout, garbage with a protocol error; neither hangs', async () => {
    for (const [fault, expected] of [
      ['stall', /did not answer "\*OPC\?" within [\d.]+ s/],
      ['garbage', /\*OPC\? answer: expected 1, got/]
    ] as const) {
      const folder = freshFolder()
      const data = join(folder, 'data')
      const { port } = await startSimulator(folder, ['--fault', `${fault}-after=9`])
      calibrate(port, data)
      const train = dnpu(['train', 'ga', '--task', 'xor', '--port', port, '--seed', '3', '--stop-threshold', '2', '--data-dir', data], 60_000)
      expect(train.status, `${fault}: ${train.stderr}`).toBe(1)
      expect(train.stderr.trim().split('\n').at(-1)).toMatch(expected)
      const stored = JSON.parse(dnpu(['runs', 'show', '1', '--json', '--data-dir', data]).stdout) as { status: string; generations: number }
      expect(stored).toMatchObject({ status: 'interrupted', generations: 2 })
    }
  })
})
