/**
 * The real serial path end to end: `dnpu sim --pty` (socat makes a PTY pair; the simulated
 * instrument holds one end) and the `dnpu` commands on the other end through serialport.
 * Nothing is mocked: the same driver, safety check and trainer a lab runs against an instrument.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dnpu, hasSocat, simulatorLog, useBuiltCli, useSimulators, type CliResult } from './test-support'

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

function calibrate(
  port: string,
  data: string
): { calibrationId: number; electrodes: { electrode: number; suggestedRange: [number, number] }[] } {
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

  it('runs validate re-measures GA, GD and capacity runs on the instrument, inside the calibration, and stores each with its run', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    const { port, log } = await startSimulator(folder)
    const calibration = calibrate(port, data)
    const run = (args: string[]): number => {
      const result = dnpu([...args, '--json', '--data-dir', data])
      expect(result.status, result.stderr).toBe(0)
      return (JSON.parse(result.stdout) as { runId: number }).runId
    }
    const gaRun = run([
      'train',
      'ga',
      '--task',
      'xor',
      '--port',
      port,
      '--seed',
      '3',
      '--generations',
      '2',
      '--stop-threshold',
      '2'
    ])
    const gdRun = run(['train', 'gd', '--samples', '200', '--epochs', '4', '--seed', '11'])
    const capacityRun = run([
      'capacity',
      '--from',
      '4',
      '--to',
      '5',
      '--attempts',
      '1',
      '--generations',
      '30',
      '--seed',
      '4'
    ])
    const uploadsBefore = uploads(log).length

    const validate = (runId: number, json = true): CliResult =>
      dnpu(['runs', 'validate', String(runId), '--port', port, ...(json ? ['--json'] : []), '--data-dir', data])
    const ga = validate(gaRun)
    expect(ga.status, ga.stderr).toBe(0)
    expect(JSON.parse(ga.stdout)).toMatchObject({
      runId: gaRun,
      kind: 'ga',
      outputsNanoamps: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]
    })

    const gd = validate(gdRun)
    expect(gd.status, gd.stderr).toBe(0)
    const gdValidation = JSON.parse(gd.stdout) as {
      runId: number
      kind: string
      set: string
      outputsNanoamps: number[]
      accuracyPercent: number
      simulatedAccuracyPercent: number
      trainedAccuracyPercent: number
      correlation: number
    }
    const gdStored = JSON.parse(dnpu(['runs', 'show', String(gdRun), '--json', '--data-dir', data]).stdout) as {
      accuracy: { testPercent: number }
    }
    expect(gdValidation).toMatchObject({
      runId: gdRun,
      kind: 'gd',
      set: 'test',
      trainedAccuracyPercent: gdStored.accuracy.testPercent
    })
    expect(gdValidation.outputsNanoamps).toHaveLength(30)
    // The simulated instrument plays the run's own surrogate, at the voltages the run trained with.
    expect(gdValidation.accuracyPercent).toBe(gdValidation.simulatedAccuracyPercent)
    expect(gdValidation.correlation).toBeGreaterThan(0.999)

    const capacity = dnpu(['runs', 'validate', String(capacityRun), '--port', port, '--data-dir', data])
    expect(capacity.status, capacity.stderr).toBe(0)
    expect(capacity.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^N=4 measured: \d+ of \d+ found labelings$/),
      expect.stringMatching(/^N=5 measured: (\d+) of \1 found labelings$/)
    ])
    const lines = capacity.stdout.trim().split('\n')
    expect(lines[0]).toBe(`run ${capacityRun} (CAPACITY, vc-dimension) validated on the device, stored with the run:`)
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(
        /^ {4}N=4: (\d+) of \1 found labelings confirmed \(14 tried\), capacity [\d.]+ on the surrogate, [\d.]+ on the device \(measurement \d+\)$/
      ),
      expect.stringMatching(
        /^ {4}N=5: (\d+) of \1 found labelings confirmed \(30 tried\), capacity [\d.]+ on the surrogate, [\d.]+ on the device \(measurement \d+\)$/
      )
    ])

    // 1 acquisition each for GA and GD, one per N for the capacity sweep; none outside the calibration.
    const validating = uploads(log).slice(uploadsBefore)
    expect(validating).toHaveLength(4)
    for (const upload of validating) {
      expect(upload.outcome).toBe('accepted')
      calibration.electrodes.forEach(({ electrode, suggestedRange: [min, max] }) => {
        expect(upload.minVolts[electrode]).toBeGreaterThanOrEqual(Math.fround(min))
        expect(upload.maxVolts[electrode]).toBeLessThanOrEqual(Math.fround(max))
        expect(upload.firstVolts[electrode]).toBe(0)
        expect(upload.lastVolts[electrode]).toBe(0)
      })
    }
    for (const [runId, kind] of [
      [gaRun, 'ga'],
      [gdRun, 'gd'],
      [capacityRun, 'capacity']
    ] as const) {
      const shown = JSON.parse(dnpu(['runs', 'show', String(runId), '--json', '--data-dir', data]).stdout) as {
        validations: { kind: string }[]
      }
      expect(shown.validations.map((v) => v.kind)).toEqual([kind])
    }
  })

  it('runs validate: exit 2 for a bad id or a refused validation (nothing sent), exit 1 when the instrument drops the measurement', async () => {
    const folder = freshFolder()
    const data = join(folder, 'data')
    // The link drops when acquisition 8 starts: after the 7 calibration sweeps, during the validation.
    const { port, log } = await startSimulator(folder, ['--fault', 'disconnect-after=7'])
    const gd = dnpu(['train', 'gd', '--samples', '200', '--epochs', '2', '--seed', '11', '--json', '--data-dir', data])
    expect(gd.status, gd.stderr).toBe(0)
    const runId = (JSON.parse(gd.stdout) as { runId: number }).runId

    const badId = dnpu(['runs', 'validate', 'one', '--port', port, '--data-dir', data])
    expect(badId).toMatchObject({
      status: 2,
      stdout: '',
      stderr: 'dnpu: runs validate: the run id must be a whole number, got "one"\n'
    })
    const unknown = dnpu(['runs', 'validate', '42', '--port', port, '--data-dir', data])
    expect(unknown).toMatchObject({
      status: 2,
      stderr: `dnpu: runs validate: no run 42 in ${join(data, 'dnpu-lab.db')}\n`
    })
    const notCalibrated = dnpu(['runs', 'validate', String(runId), '--port', port, '--data-dir', data])
    expect(notCalibrated.status).toBe(2)
    expect(notCalibrated.stderr).toContain('cannot validate on the device: device profile')
    expect(notCalibrated.stderr).toContain(
      `has no calibration; calibrate it first (Calibration view, or \`dnpu calibrate --port ${port}\`)`
    )
    expect(existsSync(log) ? uploads(log) : []).toEqual([])

    calibrate(port, data)
    const dropped = dnpu(['runs', 'validate', String(runId), '--port', port, '--data-dir', data])
    expect(dropped.status).toBe(1)
    expect(dropped.stderr.trim().split('\n').at(-1)).toMatch(
      /^dnpu: runs validate: the measurement failed: .*(closed|unplugged)/
    )
    const shown = JSON.parse(dnpu(['runs', 'show', String(runId), '--json', '--data-dir', data]).stdout) as {
      validations: unknown[]
    }
    expect(shown.validations).toEqual([])
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
    const train = dnpu([
      'train',
      'ga',
      '--task',
      'xor',
      '--port',
      port,
      '--seed',
      '3',
      '--stop-threshold',
      '2',
      '--generations',
      '8',
      '--data-dir',
      data
    ])
    expect(train.status).toBe(1)
    const lastLine = train.stderr.trim().split('\n').at(-1)!
    expect(lastLine).toMatch(/^dnpu: run 1 interrupted: the instrument connection was lost: .*(closed|unplugged)/)
    const stored = JSON.parse(dnpu(['runs', 'show', '1', '--json', '--data-dir', data]).stdout) as {
      status: string
      generations: number
      resumable: boolean
    }
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
      const train = dnpu(
        ['train', 'ga', '--task', 'xor', '--port', port, '--seed', '3', '--stop-threshold', '2', '--data-dir', data],
        60_000
      )
      expect(train.status, `${fault}: ${train.stderr}`).toBe(1)
      expect(train.stderr.trim().split('\n').at(-1)).toMatch(expected)
      const stored = JSON.parse(dnpu(['runs', 'show', '1', '--json', '--data-dir', data]).stdout) as {
        status: string
        generations: number
      }
      expect(stored).toMatchObject({ status: 'interrupted', generations: 2 })
    }
  })
})
