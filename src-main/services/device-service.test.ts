/**
 * The device service against the real simulated instrument (in process, no waiting) and a real
 * SQLite file: what the host sends, what it refuses to send, and that outputs go back to 0 V.
 * The simulator's upload log is the witness of every stream that reached the instrument.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, IN_PROCESS_SIMULATOR_PATH, type TrainingFinishedEvent } from '../../src-preload/contract'
import { duplexTransport, type Transport } from '../instrument/driver'
import { createInProcessLink, createSurrogateInstrument, type ScpiInstrument, type UploadLogRecord } from '../instrument/simulator'
import { DEMO_MODEL_ID, type ModelCatalog } from './model-catalog'
import { inProcessTrainer, servicesOnTempFolder } from './test-support'

interface Bench {
  services: Awaited<ReturnType<typeof servicesOnTempFolder>>['services']
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

async function bench(): Promise<Bench> {
  const uploads: UploadLogRecord[] = []
  const sent: string[] = []
  const open = async (models: ModelCatalog): Promise<Transport> => {
    instrument ??= createSurrogateInstrument(models.get(DEMO_MODEL_ID)!.definition, { speed: Infinity, onUpload: (record) => uploads.push(record) })
    const transport = duplexTransport(createInProcessLink(instrument), { description: 'test simulator' })
    const write = transport.write.bind(transport)
    transport.write = (bytes: Uint8Array) => {
      const text = Buffer.from(bytes).toString('latin1')
      sent.push(text.startsWith('WAV:DATA') ? 'WAV:DATA <block>' : text.trim())
      return write(bytes)
    }
    return transport
  }
  const made = await servicesOnTempFolder(inProcessTrainer, { openInProcessSimulator: open })
  cleanup = made.cleanup
  return { services: made.services, uploads, sent }
}

const allElectrodes = (range: [number, number]) =>
  Array.from({ length: 7 }, (_, electrode) => ({ electrode, rangeVolts: range, trialRangeVolts: null, suggestedRangeVolts: null, saturated: false }))

describe('DeviceService with the simulated instrument', () => {
  it('closes the interlock until there is a calibration, and refuses to measure without one', async () => {
    const { services, sent } = await bench()
    const status = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    expect(status).toMatchObject({ state: 'connected', identity: { maker: 'DNPU-SIM' }, calibration: null })
    for (let channel = 0; channel < 7; channel++) expect(sent).toContain(`SOUR:VOLT:LIM ${channel},0,0`)
    await expect(services.device.measurePoints(new Float32Array(7), 1)).rejects.toThrow(/has no calibration; calibrate it first/)
  })

  it('never sends a point outside the calibration: the stream is refused on the host, naming the electrode', async () => {
    const { services, uploads } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const progress: number[] = []
    services.device.on('calibrationProgress', (event) => progress.push(event.electrode))
    const sweep = await services.device.runCalibration({ electrodes: [0, 3], pointsPerLeg: 6 })
    expect(progress).toEqual([0, 3])
    expect(sweep.electrodes.map((e) => e.curve.length)).toEqual([sweep.electrodes[0]!.curve.length, sweep.electrodes[0]!.curve.length])
    const calibration = await services.device.saveCalibration({ profileId: profile!.id, notes: 'narrow', electrodes: allElectrodes([-0.3, 0.3]), measurementId: sweep.measurementId })
    expect(services.device.status().calibration?.id).toBe(calibration.id)
    const uploadsBefore = uploads.length

    const outside = new Float32Array(7)
    outside[0] = 0.5
    await expect(services.device.measurePoints(outside, 1)).rejects.toThrow(/refused to send: electrode 0 sample \d+ = 0\.\d+ V is outside its calibrated range \[-0.3, 0.3\] V \(and \d+ more violations\)/)
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
    await expect(services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes: wide, measurementId: null })).rejects.toThrow(
      /electrodes 0, 1, 2, 3, 4, 5, 6 go beyond \[-1.2, 1\] V: confirm the override and give a reason/
    )
    const saved = await services.device.saveCalibration({
      profileId: profile!.id,
      notes: '',
      electrodes: wide,
      rangeOverride: { confirmed: true, reason: 'device characterised to -1.3 V' },
      measurementId: null
    })
    expect(saved.rangeOverride).toMatchObject({ electrodes: [0, 1, 2, 3, 4, 5, 6], reason: 'device characterised to -1.3 V' })
    await expect(
      services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes: allElectrodes([-1.7, 1]), rangeOverride: { confirmed: true, reason: 'beyond the box' }, measurementId: null })
    ).rejects.toThrow(/beyond the instrument's absolute limit \[-1.6, 1.6\] V/)
  })

  it('a GA run on the device measures through main, records the device, and ends with ABOR', async () => {
    const { services, sent } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    const calibration = await services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes: allElectrodes([-0.8, 0.6]), measurementId: null })
    const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    const { runId } = services.training.start({ ...DEFAULT_GA_CONFIG, modelId: 'demo', processor: 'device', generations: 3, stopThreshold: 2, seed: 5 })
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
    expect(validation.outputsNanoamps).toHaveLength(4)
    expect(services.runs.getRun(runId)!.validations).toHaveLength(1)
  })

  it('nothing changes the device under a run that measures on it', async () => {
    const { services } = await bench()
    const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
    await services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes: allElectrodes([-0.8, 0.6]), measurementId: null })
    const firstGeneration = new Promise((resolve) => services.training.once('progress', resolve))
    const finished = new Promise<TrainingFinishedEvent>((resolve) => services.training.once('finished', resolve))
    const { runId } = services.training.start({ ...DEFAULT_GA_CONFIG, modelId: 'demo', processor: 'device', generations: 1000, stopThreshold: 2, seed: 5 })
    await firstGeneration
    await expect(services.device.setDc(0, 0.1)).rejects.toThrow(`cannot run a manual test while run ${runId} is training on the device: stop it first`)
    await expect(
      services.device.saveCalibration({ profileId: profile!.id, notes: '', electrodes: allElectrodes([-0.5, 0.5]), measurementId: null })
    ).rejects.toThrow(`cannot change the calibration in force while run ${runId} is training on the device`)
    await expect(services.device.runCalibration({ pointsPerLeg: 5 })).rejects.toThrow('cannot run a calibration sweep while')
    services.training.stop(runId)
    expect(await finished).toMatchObject({ runId, status: 'stopped' })
    // Free again once the run has ended.
    await expect(services.device.setDc(0, 0.1)).resolves.toMatchObject({ electrode: 0, volts: 0.1 })
  })
})
