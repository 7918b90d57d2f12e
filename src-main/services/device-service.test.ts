/**
 * The device service against the real simulated instrument (in process, no waiting) and a real
 * SQLite file: what the host sends, what it refuses to send, and that outputs go back to 0 V.
 * The simulator's upload log is the witness of every stream that reached the instrument.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GA_CONFIG,
  DEFAULT_GD_CONFIG,
  IN_PROCESS_SIMULATOR_PATH,
  type TrainingConfig,
  type TrainingFinishedEvent
} from '../../src-shared/ipc'
import { TYPICAL_VOLTAGE_RANGES_VOLTS } from '../core/__fixtures__/typical-voltage-ranges'
import { duplexTransport, type Transport } from '../instrument/driver'
import {
  createInProcessLink,
  createSurrogateInstrument,
  type ScpiInstrument,
  type UploadLogRecord
} from '../instrument/simulator'
import type { FromTrainer, ToTrainer } from '../workers/trainer-protocol'
import { DEMO_MODEL_ID, type ModelCatalog } from './model-catalog'
import { inProcessTrainer, recordingTransport, servicesOnTempFolder } from './test-support'
import type { TrainerHandle } from './training-service'

interface Bench {
  services: Awaited<ReturnType<typeof servicesOnTempFolder>>['services']
  dataFolder: string
  uploads: UploadLogRecord[]
  /** Every command line the host wrote (binary blocks elided). */
  sent: string[]
}

let cleanup: (() => Promise<void>) | null = null
let instrument: ScpiInstrument | null = null
afterEach(async () => {
  await cleanup?.()
  instrument?.close()
  cleanup = null
  instrument = null
})

async function bench(spawnTrainer: () => TrainerHandle = inProcessTrainer): Promise<Bench> {
  const uploads: UploadLogRecord[] = []
  const sent: string[] = []
  const open = async (models: ModelCatalog): Promise<Transport> => {
    instrument ??= createSurrogateInstrument(models.get(DEMO_MODEL_ID)!.definition, {
      speed: Infinity,
      onUpload: (record) => uploads.push(record)
    })
    return recordingTransport(duplexTransport(createInProcessLink(instrument), { description: 'test simulator' }), sent)
  }
  const made = await servicesOnTempFolder(spawnTrainer, { openInProcessSimulator: open })
  cleanup = made.cleanup
  return { services: made.services, dataFolder: made.dataFolder, uploads, sent }
}

type WithoutSeq<M> = M extends { seq: number } ? Omit<M, 'seq'> : never

/**
 * A trainer the test plays itself: it says what the worker would (`say`), and `heard` resolves
 * with the first message from main of a type. Lets a test hold a device run at a known point.
 */
function scriptedTrainer(): {
  spawn: () => TrainerHandle
  say: (message: WithoutSeq<FromTrainer>) => void
  heard: (type: ToTrainer['type']) => Promise<ToTrainer>
} {
  let events = new EventEmitter()
  let seq = 0
  const waiting: { type: ToTrainer['type']; resolve: (message: ToTrainer) => void }[] = []
  return {
    spawn: () => {
      events = new EventEmitter()
      seq = 0
      return {
        postMessage: (message: ToTrainer) => {
          const at = waiting.findIndex((w) => w.type === message.type)
          if (at >= 0) waiting.splice(at, 1)[0]!.resolve(message)
        },
        on: (event: string, listener: (message: FromTrainer) => void) => events.on(event, listener),
        terminate: async () => 0
      } as TrainerHandle
    },
    say: (message) => events.emit('message', { ...message, seq: ++seq }),
    heard: (type) => new Promise((resolve) => waiting.push({ type, resolve }))
  }
}

const allElectrodes = (range: [number, number]) =>
  Array.from({ length: 7 }, (_, electrode) => ({
    electrode,
    rangeVolts: range,
    trialRangeVolts: null,
    suggestedRangeVolts: null,
    saturated: false
  }))

describe('DeviceService with the simulated instrument', () => {
  it('closes the interlock until there is a calibration, and refuses to measure without one', async () => {
    const { services, sent } = await bench()
    const status = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    expect(status).toMatchObject({ state: 'connected', identity: { maker: 'DNPU-SIM' }, calibration: null })
    for (let channel = 0; channel < 7; channel++) expect(sent).toContain(`SOUR:VOLT:LIM ${channel},0,0`)
    await expect(services.device.measurePoints(new Float32Array(7), 1)).rejects.toThrow(
      /has no calibration; calibrate it first/
    )
  })

  it('never sends a point outside the calibration: the stream is refused on the host, naming the electrode', async () => {
    const { services, uploads } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const progress: number[] = []
    services.device.on('calibrationProgress', (event) => progress.push(event.electrode))
    const sweep = await services.device.runCalibration({ electrodes: [0, 3], pointsPerLeg: 6 })
    expect(progress).toEqual([0, 3])
    expect(sweep.electrodes.map((e) => e.curve.length)).toEqual([
      sweep.electrodes[0]!.curve.length,
      sweep.electrodes[0]!.curve.length
    ])
    const calibration = await services.device.saveCalibration({
      profileId: profile!.id,
      notes: 'narrow',
      electrodes: allElectrodes([-0.3, 0.3]),
      measurementId: sweep.measurementId
    })
    expect(services.device.status().calibration?.id).toBe(calibration.id)
    const uploadsBefore = uploads.length

    const outside = new Float32Array(7)
    outside[0] = 0.5
    await expect(services.device.measurePoints(outside, 1)).rejects.toThrow(
      /refused to send: electrode 0 sample \d+ = 0\.\d+ V is outside its calibrated range \[-0.3, 0.3\] V \(and \d+ more violations\)/
    )
    expect(uploads.length).toBe(uploadsBefore)

    const inside = Float32Array.of(0.3, -0.3, 0.1, 0, 0.2, -0.1, 0.05)
    const [output] = await services.device.measurePoints(inside, 1)
    expect(Number.isFinite(output)).toBe(true)
    const last = uploads.at(-1)!
    expect(last.outcome).toBe('accepted')
    expect(last.maxVolts![0]).toBeCloseTo(0.3, 6)
    // The interlock is the calibration too: the instrument itself would refuse 0.5 V.
    expect(last.limitsVolts[0]).toEqual([-0.3, 0.3])
  })

  it('saves a range beyond [-1.2, 1.0] V only with a confirmed, recorded override', async () => {
    const { services } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const wide = allElectrodes([-1.3, 1.0])
    await expect(
      services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes: wide, measurementId: null })
    ).rejects.toThrow(/electrodes 0, 1, 2, 3, 4, 5, 6 go beyond \[-1.2, 1\] V: confirm the override and give a reason/)
    const saved = await services.device.saveCalibration({
      profileId: profile!.id,
      notes: '',
      electrodes: wide,
      rangeOverride: { confirmed: true, reason: 'device characterised to -1.3 V' },
      measurementId: null
    })
    expect(saved.rangeOverride).toMatchObject({
      electrodes: [0, 1, 2, 3, 4, 5, 6],
      reason: 'device characterised to -1.3 V'
    })
    await expect(
      services.device.saveCalibration({
        profileId: profile!.id,
        notes: '',
        electrodes: allElectrodes([-1.7, 1]),
        rangeOverride: { confirmed: true, reason: 'beyond the box' },
        measurementId: null
      })
    ).rejects.toThrow(/beyond the instrument's absolute limit \[-1.6, 1.6\] V/)
  })

  it('a GA run on the device measures through main, records the device, and ends with ABOR', async () => {
    const { services, sent } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const calibration = await services.device.saveCalibration({
      profileId: profile!.id,
      notes: '',
      electrodes: allElectrodes([-0.8, 0.6]),
      measurementId: null
    })
    const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    const { runId } = services.training.start({
      ...DEFAULT_GA_CONFIG,
      modelId: 'demo',
      processor: 'device',
      generations: 3,
      stopThreshold: 2,
      seed: 5
    })
    expect(await finished).toMatchObject({ runId, status: 'completed' })
    const run = services.runs.getRun(runId)!
    expect(run.device).toEqual({ profileId: profile!.id, calibrationId: calibration.id })
    expect(run.generations).toBe(3)
    for (const volts of run.bestControlVoltages!) {
      expect(volts).toBeGreaterThanOrEqual(-0.8)
      expect(volts).toBeLessThanOrEqual(0.6)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(sent.lastIndexOf('ABOR')).toBeGreaterThan(sent.lastIndexOf('FETC?'))

    const validation = await services.device.validateRun(runId)
    expect(validation).toMatchObject({
      kind: 'ga',
      outputsNanoamps: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]
    })
    expect(services.runs.getRun(runId)!.validations).toEqual([validation])
  })

  it('nothing changes the device under a run that measures on it', async () => {
    const { services } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    await services.device.saveCalibration({
      profileId: profile!.id,
      notes: '',
      electrodes: allElectrodes([-0.8, 0.6]),
      measurementId: null
    })
    const firstGeneration = new Promise((resolve) => services.training.once('progress', resolve))
    const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    const { runId } = services.training.start({
      ...DEFAULT_GA_CONFIG,
      modelId: 'demo',
      processor: 'device',
      generations: 1000,
      stopThreshold: 2,
      seed: 5
    })
    await firstGeneration
    await expect(services.device.setDc(0, 0.1)).rejects.toThrow(
      `cannot run a manual test while run ${runId} is training on the device: stop it first`
    )
    await expect(
      services.device.saveCalibration({
        profileId: profile!.id,
        notes: '',
        electrodes: allElectrodes([-0.5, 0.5]),
        measurementId: null
      })
    ).rejects.toThrow(`cannot change the calibration in force while run ${runId} is training on the device`)
    await expect(services.device.runCalibration({ pointsPerLeg: 5 })).rejects.toThrow(
      'cannot run a calibration sweep while'
    )
    services.training.stop(runId)
    expect(await finished).toMatchObject({ runId, status: 'stopped' })
    // Free again once the run has ended.
    await expect(services.device.setDc(0, 0.1)).resolves.toMatchObject({ electrode: 0, volts: 0.1 })
  })
})

describe('the device leased to a run', () => {
  it('refuses every change of the device while a run holds it, naming the run; allows each once the run has failed', async () => {
    const trainer = scriptedTrainer()
    const { services } = await bench(trainer.spawn)
    const device = services.device
    const { profile } = await device.connect(IN_PROCESS_SIMULATOR_PATH)
    const calibration = await device.saveCalibration({
      profileId: profile!.id,
      notes: '',
      electrodes: allElectrodes([-0.8, 0.6]),
      measurementId: null
    })
    const deviceRun = { ...DEFAULT_GA_CONFIG, modelId: 'demo', processor: 'device' as const, generations: 5, seed: 5 }
    const failed = async (runId: number): Promise<void> => {
      const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
      trainer.say({ type: 'error', message: 'the trainer broke' })
      expect(await finished).toMatchObject({ runId, status: 'failed', error: 'the trainer broke' })
    }
    // An ended run to validate.
    const { runId: endedRun } = services.training.start(deviceRun)
    await failed(endedRun)

    const { runId } = services.training.start(deviceRun)
    expect(device.leaseHolder()).toBe(runId)
    // The run measures through its lease meanwhile.
    const answer = trainer.heard('measured')
    trainer.say({ type: 'measure', requestId: 1, inputsVolts: new Float32Array(7), rowCount: 1 })
    expect(await answer).toMatchObject({ type: 'measured', requestId: 1 })

    const operations: [action: string, operation: () => Promise<unknown>][] = [
      ['change the device profile', () => device.saveProfile(profile!.id, profile!.name, profile!.settings)],
      ['run a calibration sweep', () => device.runCalibration({ electrodes: [0], pointsPerLeg: 4 })],
      [
        'change the calibration in force',
        () =>
          device.saveCalibration({
            profileId: profile!.id,
            notes: '',
            electrodes: allElectrodes([-0.5, 0.5]),
            measurementId: null
          })
      ],
      ['change the calibration in force', () => device.activateCalibration(calibration.id)],
      ['run a manual test', () => device.setDc(0, 0.1)],
      ['measure', () => device.measurePoints(new Float32Array(7), 1)],
      ['change the simulated device', () => device.useSimulatorModel(DEMO_MODEL_ID)],
      ['disconnect the instrument', () => device.disconnect()],
      ['connect an instrument', () => device.connect(IN_PROCESS_SIMULATOR_PATH)]
    ]
    const refusal = (action: string) =>
      `cannot ${action} while run ${runId} is training on the device: stop it first or wait for it to end`
    for (const [action, operation] of operations) await expect(operation(), action).rejects.toThrow(refusal(action))
    await expect(device.validateRun(endedRun)).rejects.toThrow(refusal('validate on the device'))
    // Refused means nothing happened: still connected, same calibration.
    expect(device.status()).toMatchObject({ state: 'connected', calibration: { id: expect.any(Number) } })

    await failed(runId)
    expect(device.leaseHolder()).toBeNull()
    for (const [action, operation] of operations) await expect(operation(), action).resolves.toBeDefined()
    expect(device.status().state).toBe('connected')
    await expect(device.validateRun(endedRun)).rejects.not.toThrow('training on the device')
  })
})

describe('validation on the device of GD and capacity runs', () => {
  const gdConfig = {
    ...DEFAULT_GD_CONFIG,
    modelId: 'demo',
    ring: { ...DEFAULT_GD_CONFIG.ring, sampleCount: 200 },
    epochs: 4,
    seed: 11
  }

  /** Connected to the simulated instrument with a calibration per electrode (the demo model's own ranges by default). */
  async function calibrated(
    ranges: [number, number][] = TYPICAL_VOLTAGE_RANGES_VOLTS
  ): Promise<Bench & { profileId: number }> {
    const made = await bench()
    const { profile } = await made.services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const electrodes = ranges.map((rangeVolts, electrode) => ({
      electrode,
      rangeVolts,
      trialRangeVolts: null,
      suggestedRangeVolts: null,
      saturated: false
    }))
    await made.services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes, measurementId: null })
    return { ...made, profileId: profile!.id }
  }

  async function finishedRun(services: Bench['services'], config: TrainingConfig): Promise<number> {
    const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    // One thread: vitest cannot start the evaluation workers (the results do not depend on it).
    const { runId } = services.training.start(config, { workers: 1 })
    expect(await finished).toEqual({ runId, status: 'completed', error: null })
    return runId
  }

  it('a GD run: its controls measured on the ring test set, accuracy measured vs simulated, stored with the run', async () => {
    const { services, uploads } = await calibrated()
    const runId = await finishedRun(services, gdConfig)
    const run = services.runs.getRun(runId)!
    const uploadsBefore = uploads.length

    const validation = await services.device.validateRun(runId)
    if (validation.kind !== 'gd') throw new Error(`expected a GD validation, got ${validation.kind}`)
    // 200 points, split 0.7 / 0.15 / 0.15: the 30 test points, in the order the run scored them.
    expect(validation).toMatchObject({ set: 'test', setPointCount: 30 })
    expect(validation.targets).toEqual(run.targets)
    expect(validation.outputsNanoamps).toHaveLength(30)
    expect(validation.controlVoltages).toEqual(run.bestControlVoltages)
    expect(validation.dataRangesVolts).toEqual([TYPICAL_VOLTAGE_RANGES_VOLTS[1], TYPICAL_VOLTAGE_RANGES_VOLTS[2]])
    // The simulated device is the run's own surrogate: the same voltages give the same currents.
    validation.outputsNanoamps.forEach((measured, i) =>
      expect(measured).toBeCloseTo(validation.simulatedOutputsNanoamps[i]!, 2)
    )
    validation.simulatedOutputsNanoamps.forEach((simulated, i) =>
      expect(simulated).toBeCloseTo(run.bestOutputsNanoamps![i]!, 3)
    )
    expect(validation.correlation).toBeGreaterThan(0.999)
    expect(validation.trainedAccuracyPercent).toBe(run.accuracy!.testPercent)
    expect(validation.simulatedAccuracyPercent).toBe(run.accuracy!.testPercent)
    expect(validation.accuracyPercent).toBe(validation.simulatedAccuracyPercent)

    // One acquisition, inside the calibration, stored as the run's validation measurement.
    expect(uploads.slice(uploadsBefore).map((u) => u.outcome)).toEqual(['accepted'])
    const measurement = services.measurements.get(validation.measurementId)!
    expect(measurement).toMatchObject({ kind: 'validation', runId })
    expect(measurement.plateauMeansNanoamps).toHaveLength(30)
    expect(services.runs.getRun(runId)!.validations).toEqual([validation])
  })

  it('measures at most the first 2000 points of a large GD set (balanced: the split interleaves the classes)', async () => {
    const { services, uploads } = await calibrated()
    const runId = await finishedRun(services, {
      ...gdConfig,
      ring: { ...gdConfig.ring, sampleCount: 2400, split: { train: 0.1, validation: 0, test: 0.9 } },
      epochs: 1
    })
    const uploadsBefore = uploads.length
    const validation = await services.device.validateRun(runId)
    if (validation.kind !== 'gd') throw new Error(`expected a GD validation, got ${validation.kind}`)
    expect(validation).toMatchObject({ set: 'test', setPointCount: 2160 })
    expect(validation.outputsNanoamps).toHaveLength(2000)
    expect(validation.targets).toEqual(services.runs.getRun(runId)!.targets.slice(0, 2000))
    expect(validation.targets.filter((t) => t === 1)).toHaveLength(1000)
    expect(services.measurements.get(validation.measurementId)!.plateauMeansNanoamps).toHaveLength(2000)
    expect(uploads.slice(uploadsBefore).every((u) => u.outcome === 'accepted')).toBe(true)
  })

  it('refuses a GD run whose control voltage lies outside the calibration, naming it; nothing is sent', async () => {
    const bench0 = await calibrated()
    const runId = await finishedRun(bench0.services, gdConfig)
    const controls = bench0.services.runs.getRun(runId)!.bestControlVoltages!
    // Control electrode 0 (electrode 0: data on 1 and 2) gets a range that leaves its control out.
    const volts = controls[0]!
    const narrow: [number, number] = volts > 0 ? [-0.5, volts / 2] : [volts / 2, 0.3]
    const ranges = TYPICAL_VOLTAGE_RANGES_VOLTS.map((range, electrode) => (electrode === 0 ? narrow : range))
    const electrodes = ranges.map((rangeVolts, electrode) => ({
      electrode,
      rangeVolts,
      trialRangeVolts: null,
      suggestedRangeVolts: null,
      saturated: false
    }))
    const calibration = await bench0.services.device.saveCalibration({
      profileId: bench0.services.device.status().profile!.id,
      notes: '',
      electrodes,
      measurementId: null
    })
    const uploadsBefore = bench0.uploads.length

    const refusal = bench0.services.device.validateRun(runId)
    await expect(refusal).rejects.toThrow(
      `cannot validate run ${runId} (gd) on the device: control electrode 0 = ${volts} V is outside its calibrated range [${narrow[0]}, ${narrow[1]}] V (calibration v${calibration.version} of device profile`
    )
    await expect(refusal).rejects.toMatchObject({ name: 'ValidationRefusedError' })
    expect(bench0.uploads.length).toBe(uploadsBefore)
    expect(bench0.services.runs.getRun(runId)!.validations).toEqual([])
  })

  it('a capacity sweep: every found labeling re-measured with its own controls, found vs confirmed per N', async () => {
    const { services, uploads } = await calibrated()
    const runId = await finishedRun(services, {
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 4,
      toN: 5,
      attempts: 1,
      generations: 30,
      seed: 4
    })
    const run = services.runs.getRun(runId)!
    const progress: unknown[] = []
    services.device.on('validationProgress', (event) => progress.push(event))
    const uploadsBefore = uploads.length

    const validating = services.device.validateRun(runId)
    // The instrument is the validation's until it ends: no run on the device, no second validation.
    expect(() => services.training.start({ ...DEFAULT_GA_CONFIG, modelId: 'demo', processor: 'device' })).toThrow(
      `cannot train on the device while run ${runId} is being validated on the device: wait for the validation to end`
    )
    await expect(services.device.validateRun(runId)).rejects.toThrow(
      `cannot validate run ${runId} on the device: run ${runId} is being validated; wait for it to end`
    )
    const validation = await validating
    if (validation.kind !== 'capacity') throw new Error(`expected a capacity validation, got ${validation.kind}`)
    const found = run.capacity!.map((entry) => entry.found)
    expect(found.every((count) => count > 0)).toBe(true)
    expect(validation.perN.map((entry) => [entry.n, entry.evaluated, entry.foundOnSurrogate])).toEqual(
      run.capacity!.map((entry) => [entry.n, entry.evaluated, entry.found])
    )
    for (const entry of validation.perN) {
      expect(entry.capacityOnSurrogate).toBeCloseTo(run.capacity!.find((c) => c.n === entry.n)!.capacity, 12)
      expect(entry.capacityMeasured).toBeCloseTo(entry.confirmedOnDevice / entry.evaluated, 12)
      expect(entry.notConfirmed).toHaveLength(entry.foundOnSurrogate - entry.confirmedOnDevice)
      // The device plays the run's surrogate: what the sweep found, the device confirms.
      expect(entry.confirmedOnDevice).toBe(entry.foundOnSurrogate)
    }
    expect(progress).toEqual([
      { runId, n: 4, labelingsDone: found[0], labelingsTotal: found[0]! + found[1]! },
      { runId, n: 5, labelingsDone: found[0]! + found[1]!, labelingsTotal: found[0]! + found[1]! }
    ])

    // One acquisition per N (split only at the instrument's point limit), each holding every
    // found labeling's own stored controls on the control electrodes.
    expect(uploads.slice(uploadsBefore).every((u) => u.outcome === 'accepted')).toBe(true)
    const checkpoint = services.runs.getCheckpoint(runId)!.state as {
      sweep: { perN: { results: { found: boolean; controlVoltages: number[] }[] }[] }
    }
    for (const [k, entry] of validation.perN.entries()) {
      const measurement = services.measurements.get(entry.measurementId!)!
      expect(measurement).toMatchObject({ kind: 'validation', runId })
      const expected = checkpoint.sweep.perN[k]!.results.filter((r) => r.found).map((r) => r.controlVoltages)
      expect(expected).toHaveLength(entry.foundOnSurrogate)
      expect(measurement.plateauMeansNanoamps).toHaveLength(expected.length * entry.n)
      // Control electrode 0 is electrode 0: its plateau voltages, one per point, labeling by labeling.
      const onPlateaus = measurement.inputsVolts[0]!.filter((_, sample) => measurement.plateauMask[sample])
      const perPoint = Array.from(
        { length: expected.length * entry.n },
        (_, point) => onPlateaus[point * (onPlateaus.length / (expected.length * entry.n))]!
      )
      expected.forEach((controls, labeling) => {
        for (let p = 0; p < entry.n; p++) expect(perPoint[labeling * entry.n + p]).toBeCloseTo(controls[0]!, 6)
      })
    }
    expect(services.runs.getRun(runId)!.validations).toEqual([validation])
  })

  it("plays the voltages the run trained with (its model's ranges), not the calibration's wider ones", async () => {
    // What `dnpu calibrate` suggests on the simulated device: [-1.2, 1.0] V everywhere, wider than the model's ranges.
    const wide = TYPICAL_VOLTAGE_RANGES_VOLTS.map((): [number, number] => [-1.2, 1.0])
    const { services, uploads } = await calibrated(wide)
    const capacityRun = await finishedRun(services, {
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 4,
      toN: 4,
      attempts: 1,
      generations: 30,
      seed: 4
    })
    const gdRun = await finishedRun(services, gdConfig)
    const uploadsBefore = uploads.length

    const gd = await services.device.validateRun(gdRun)
    if (gd.kind !== 'gd') throw new Error(`expected a GD validation, got ${gd.kind}`)
    expect(gd.dataRangesVolts).toEqual([TYPICAL_VOLTAGE_RANGES_VOLTS[1], TYPICAL_VOLTAGE_RANGES_VOLTS[2]])
    // The device gets the points where training put them, so it does what the run found.
    const trained = services.runs.getRun(gdRun)!.bestOutputsNanoamps!
    gd.outputsNanoamps.forEach((measured, i) => expect(measured).toBeCloseTo(trained[i]!, 2))

    const capacity = await services.device.validateRun(capacityRun)
    if (capacity.kind !== 'capacity') throw new Error(`expected a capacity validation, got ${capacity.kind}`)
    expect(capacity.perN[0]).toMatchObject({ n: 4, foundOnSurrogate: 14, confirmedOnDevice: 14, notConfirmed: [] })
    for (const upload of uploads.slice(uploadsBefore)) {
      expect(upload.outcome).toBe('accepted')
      // Data electrodes 1 and 2 stay inside the model's ranges, though the calibration would allow [-1.2, 1.0] V.
      for (const electrode of [1, 2]) {
        expect(upload.minVolts![electrode]).toBeGreaterThanOrEqual(
          Math.fround(TYPICAL_VOLTAGE_RANGES_VOLTS[electrode]![0])
        )
        expect(upload.maxVolts![electrode]).toBeLessThanOrEqual(
          Math.fround(TYPICAL_VOLTAGE_RANGES_VOLTS[electrode]![1])
        )
      }
    }
  })

  it('refuses when the inputs, as trained, would leave a narrower calibration, naming the data electrode; nothing is sent', async () => {
    const narrowData = TYPICAL_VOLTAGE_RANGES_VOLTS.map((range, electrode): [number, number] =>
      electrode === 1 ? [-0.1, 0.1] : range
    )
    const { services, uploads } = await calibrated(narrowData)
    const capacityRun = await finishedRun(services, {
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 4,
      toN: 4,
      attempts: 1,
      generations: 30,
      seed: 4
    })
    const uploadsBefore = uploads.length
    // Point 0 of the VC set is x = -0.5: -0.5 mapped onto [-0.95, 0.55] V is -0.575 V.
    await expect(services.device.validateRun(capacityRun)).rejects.toThrow(
      new RegExp(
        `^cannot validate run ${capacityRun} \\(capacity\\) on the device: labeling \\d{4} \\(N = 4\\): data electrode 1 would get -0\\.575\\d* V \\(task input 1 mapped onto the range it trained with, \\[-0\\.95, 0\\.55\\] V\\) is outside its calibrated range \\[-0\\.1, 0\\.1\\] V \\(calibration v1 of device profile "[^"]+"\\) \\(and \\d+ more outside it\\); nothing was sent$`
      )
    )
    expect(uploads.length).toBe(uploadsBefore)
  })

  it("refuses a capacity sweep stored without its labelings' controls (an older DNPU Lab), a running run, and during a device run", async () => {
    const { services, dataFolder } = await calibrated()
    const capacityRun = await finishedRun(services, {
      ...DEFAULT_CAPACITY_CONFIG,
      modelId: 'demo',
      fromN: 4,
      toN: 4,
      attempts: 1,
      generations: 20,
      seed: 4
    })
    // The checkpoint as an older version wrote it: no controlVoltages per labeling.
    const db = new Database(join(dataFolder, 'dnpu-lab.db'))
    const row = db
      .prepare<[number], { state_json: string }>('SELECT state_json FROM run_checkpoints WHERE run_id = ?')
      .get(capacityRun)!
    const state = JSON.parse(row.state_json) as { sweep: { perN: { results: Record<string, unknown>[] }[] } }
    for (const entry of state.sweep.perN) for (const result of entry.results) delete result.controlVoltages
    db.prepare('UPDATE run_checkpoints SET state_json = ? WHERE run_id = ?').run(JSON.stringify(state), capacityRun)
    db.close()
    const found = services.runs.getRun(capacityRun)!.capacity![0]!.found
    await expect(services.device.validateRun(capacityRun)).rejects.toThrow(
      `cannot validate run ${capacityRun} (capacity) on the device: it was stored by an older DNPU Lab that did not keep each labeling's control voltages (${found} of its ${found} found labelings have none), so there is nothing to re-measure; run the sweep again to validate it on the device`
    )

    // A run still going: refused, whatever it runs on.
    const firstEpoch = new Promise((resolve) => services.training.once('progress', resolve))
    const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    const { runId: running } = services.training.start({ ...gdConfig, epochs: 100_000 })
    await firstEpoch
    await expect(services.device.validateRun(running)).rejects.toThrow(
      `cannot validate run ${running} (gd) on the device: it is still running; validate it once it has ended`
    )
    services.training.stop(running)
    await finished

    // A run measuring on the device: the instrument is its own until it ends.
    const firstGeneration = new Promise((resolve) => services.training.once('progress', resolve))
    const deviceFinished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    const { runId: deviceRun } = services.training.start({
      ...DEFAULT_GA_CONFIG,
      modelId: 'demo',
      processor: 'device',
      generations: 1000,
      stopThreshold: 2,
      seed: 5
    })
    await firstGeneration
    await expect(services.device.validateRun(capacityRun)).rejects.toThrow(
      `cannot validate on the device while run ${deviceRun} is training on the device`
    )
    services.training.stop(deviceRun)
    await deviceFinished
    expect(services.runs.getRun(capacityRun)!.validations).toEqual([])
    await expect(services.device.validateRun(424242)).rejects.toThrow('runId: no run 424242')
  })
})
