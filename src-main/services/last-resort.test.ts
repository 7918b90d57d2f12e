/**
 * The last-resort handlers. First on their own: fake apps (an instrument write the test
 * controls, a run that is or is not marked), so every path can be forced, including the second
 * fault and an instrument that never takes the ABOR bytes. Then against the real app services
 * (real SQLite file, the real driver and the simulated instrument in process, the real trainer
 * loop): only the process events and the exit are fakes. The whole process (CLI, PTY through
 * socat, `dnpu sim`) is in cli/fatal-error.test.ts.
 */
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_GA_CONFIG, IN_PROCESS_SIMULATOR_PATH, type TrainingFinishedEvent } from '../../src-shared/ipc'
import { duplexTransport, type Transport } from '../instrument/driver'
import {
  createInProcessLink,
  createSurrogateInstrument,
  type OutputsLogRecord,
  type ScpiInstrument
} from '../instrument/simulator'
import {
  describeFatal,
  FATAL_EXIT_CODE,
  installLastResortHandlers,
  type FatalEventSource,
  type FatalKind,
  type LastResortHandle,
  type LastResortOptions,
  type LastResortTarget
} from './last-resort'
import { DEMO_MODEL_ID, type ModelCatalog } from './model-catalog'
import { parseTestFault } from './test-fault'
import { inProcessTrainer, recordingTransport, servicesOnTempFolder } from './test-support'

/** A fake process: `raise` delivers an error as the process would. */
function fakeEvents(): FatalEventSource & { raise(error: unknown, kind?: FatalKind): void; listeners: number } {
  const emitter = new EventEmitter()
  return {
    listen(listener) {
      emitter.on('fatal', listener)
      return () => emitter.off('fatal', listener)
    },
    raise(error, kind = 'uncaughtException') {
      emitter.emit('fatal', error, kind)
    },
    get listeners() {
      return emitter.listenerCount('fatal')
    }
  }
}

/** A face that records its lines and exits; `exited` resolves at the first exit. */
function fakeFace(options: { failWrite?: boolean } = {}) {
  const lines: string[] = []
  const exits: number[] = []
  let onExit: (code: number) => void = () => {}
  const exited = new Promise<number>((resolve) => (onExit = resolve))
  return {
    lines,
    exits,
    exited,
    face: {
      name: 'dnpu',
      writeLine(line: string) {
        if (options.failWrite) throw new Error('EPIPE')
        lines.push(line)
      },
      exit(code: number) {
        exits.push(code)
        onExit(code)
      }
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** An app whose instrument write and run marking the test decides. */
function fakeApp(
  options: { write?: Promise<void> | null; runId?: number | null; markError?: Error; abortThrows?: Error } = {}
) {
  const calls: string[] = []
  const target: LastResortTarget = {
    abortInstrument(reason) {
      calls.push(`abort: ${reason}`)
      if (options.abortThrows) throw options.abortThrows
      return options.write === undefined ? null : options.write
    },
    interruptActiveRun(reason) {
      calls.push(`interrupt: ${reason}`)
      if (options.markError) throw options.markError
      return options.runId ?? null
    }
  }
  return { target, calls }
}

let handle: LastResortHandle | null = null
function install(
  face: ReturnType<typeof fakeFace>['face'],
  events: FatalEventSource,
  options: Omit<LastResortOptions, 'events'>
): void {
  handle?.uninstall()
  handle = installLastResortHandlers(face, { ...options, events })
}

describe('last-resort handlers', () => {
  it('sends ABOR first, marks the run, and only once the ABOR bytes are written prints one line and exits 70', async () => {
    const events = fakeEvents()
    const { face, lines, exits, exited } = fakeFace()
    const write = deferred()
    const app = fakeApp({ write: write.promise, runId: 3 })
    install(face, events, { targets: () => [app.target] })

    events.raise(new Error('boom\n  at somewhere'))
    expect(app.calls).toEqual(['abort: boom at somewhere', 'interrupt: boom at somewhere'])
    expect(handle!.handling).toBe(true)
    // The write is still pending: nothing printed, no exit yet.
    await Promise.resolve()
    expect(exits).toEqual([])

    write.resolve()
    expect(await exited).toBe(FATAL_EXIT_CODE)
    expect(lines).toEqual([
      'dnpu: fatal error: boom at somewhere; the instrument was sent ABOR (outputs to 0 V) and run 3 was marked interrupted'
    ])
    expect(exits).toEqual([70])
  })

  it('is bounded: an instrument that never takes the bytes still ends in one line and the exit, saying so', async () => {
    const events = fakeEvents()
    const { face, lines, exited } = fakeFace()
    const app = fakeApp({ write: new Promise<void>(() => {}), runId: 4 })
    install(face, events, { targets: () => [app.target], abortWaitMs: 20 })
    events.raise(new Error('stuck'), 'unhandledRejection')
    expect(await exited).toBe(70)
    expect(lines).toEqual([
      'dnpu: fatal error: stuck; ABOR could not be sent to the instrument (the port did not take the bytes within 0.02 s): check that its outputs are at 0 V; run 4 was marked interrupted'
    ])
  })

  it('a second fatal error during the clean-up exits at once, without waiting for the first clean-up', async () => {
    const events = fakeEvents()
    const { face, lines, exits } = fakeFace()
    const write = deferred()
    const app = fakeApp({ write: write.promise, runId: 1 })
    install(face, events, { targets: () => [app.target], abortWaitMs: 60_000 })
    events.raise(new Error('first'))
    events.raise(new Error('second'), 'unhandledRejection')
    // Synchronously: no waiting for the ABOR write, no second clean-up.
    expect(exits).toEqual([70])
    expect(lines).toEqual([
      "dnpu: fatal error: first; a second fatal error during the clean-up (second) ended it at once: check that the instrument's outputs are at 0 V"
    ])
    expect(app.calls).toHaveLength(2)
    // The first clean-up finishing later exits no second time.
    write.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    expect(exits).toEqual([70])
    expect(lines).toHaveLength(1)
  })

  it('the same error delivered again (another listener rethrew it) is not a second fault', async () => {
    const events = fakeEvents()
    const { face, lines, exited, exits } = fakeFace()
    const write = deferred()
    const app = fakeApp({ write: write.promise, runId: 2 })
    install(face, events, { targets: () => [app.target] })
    const error = new Error('once')
    events.raise(error, 'unhandledRejection')
    events.raise(error, 'uncaughtException')
    expect(exits).toEqual([])
    write.resolve()
    await exited
    expect(lines).toEqual([
      'dnpu: fatal error: once; the instrument was sent ABOR (outputs to 0 V) and run 2 was marked interrupted'
    ])
    expect(app.calls).toHaveLength(2)
  })

  it('without an instrument or a run the line is the error alone; with one of them, that one', async () => {
    for (const [app, expected] of [
      [fakeApp(), 'dnpu: fatal error: a promise was rejected with 42'],
      [fakeApp({ runId: 9 }), 'dnpu: fatal error: a promise was rejected with 42; run 9 was marked interrupted'],
      [
        fakeApp({ write: Promise.resolve() }),
        'dnpu: fatal error: a promise was rejected with 42; the instrument was sent ABOR (outputs to 0 V)'
      ]
    ] as const) {
      const events = fakeEvents()
      const { face, lines, exited } = fakeFace()
      install(face, events, { targets: () => [app.target] })
      events.raise(42, 'unhandledRejection')
      await exited
      expect(lines).toEqual([expected])
    }
  })

  it('says what failed: an ABOR the port refused, a run the database would not mark, an instrument call that threw', async () => {
    const cases: [ReturnType<typeof fakeApp>, string][] = [
      [
        fakeApp({
          write: Promise.reject(new Error('EIO: the port is gone')),
          markError: new Error('run 2 could not be marked interrupted: SQLITE_FULL')
        }),
        'dnpu: fatal error: boom; ABOR could not be sent to the instrument (EIO: the port is gone): check that its outputs are at 0 V; run 2 could not be marked interrupted: SQLITE_FULL (the next start of DNPU Lab marks it)'
      ],
      [
        fakeApp({ abortThrows: new Error('driver bug'), runId: 5 }),
        'dnpu: fatal error: boom; ABOR could not be sent to the instrument (driver bug): check that its outputs are at 0 V; run 5 was marked interrupted'
      ]
    ]
    for (const [app, expected] of cases) {
      const events = fakeEvents()
      const { face, lines, exited } = fakeFace()
      install(face, events, { targets: () => [app.target] })
      events.raise(new Error('boom'))
      await exited
      expect(lines).toEqual([expected])
      // The run is marked even when the instrument part failed.
      expect(app.calls.some((call) => call.startsWith('interrupt:'))).toBe(true)
    }
  })

  it('exits even when the line cannot be written, and stops listening once uninstalled', async () => {
    const events = fakeEvents()
    const { face, exited } = fakeFace({ failWrite: true })
    install(face, events, { targets: () => [] })
    events.raise(new Error('stderr closed'))
    expect(await exited).toBe(70)
    expect(events.listeners).toBe(1)
    handle!.uninstall()
    expect(events.listeners).toBe(0)
  })

  it('describes any thrown value on one bounded line, never throwing itself', () => {
    expect(describeFatal(new TypeError('a\n\tb'), 'uncaughtException')).toBe('a b')
    expect(describeFatal(new Error(''), 'uncaughtException')).toBe('Error')
    expect(describeFatal(undefined, 'unhandledRejection')).toBe('a promise was rejected with undefined')
    expect(describeFatal('text', 'uncaughtException')).toBe('a value was thrown: text')
    expect(describeFatal(Object.create(null), 'unhandledRejection')).toBe(
      'a promise was rejected with a value that cannot be shown'
    )
    const long = describeFatal(new Error('x'.repeat(10_000)), 'uncaughtException')
    expect(long).toHaveLength(503)
  })
})

describe('the test-only fault switch (DNPU_TEST_FAULT)', () => {
  it('is off without the variable, reads both kinds, and refuses anything else by name', () => {
    expect(parseTestFault(undefined)).toBeNull()
    expect(parseTestFault('')).toBeNull()
    expect(parseTestFault('throw-after-steps:3')).toEqual({ kind: 'throw', afterSteps: 3 })
    expect(parseTestFault('reject-after-steps:12')).toEqual({ kind: 'reject', afterSteps: 12 })
    for (const bad of [
      'throw',
      'throw-after-steps:0',
      'throw-after-steps:-1',
      'explode-after-steps:3',
      'throw-after-steps:3x'
    ]) {
      expect(() => parseTestFault(bad)).toThrow(
        `DNPU_TEST_FAULT (a test-only switch) must be throw-after-steps:N or reject-after-steps:N with N >= 1, got "${bad}"`
      )
    }
  })
})

// ---- against the real services ---------------------------------------------------------------

interface Bench {
  services: Awaited<ReturnType<typeof servicesOnTempFolder>>['services']
  instrument: () => ScpiInstrument
  outputs: OutputsLogRecord[]
  /** Every command line the host wrote (binary blocks elided). */
  sent: string[]
  /** From now on the link takes no bytes: writes never complete (an instrument that stopped reading). */
  stallWrites(): void
}

let cleanup: (() => Promise<void>) | null = null
let instrument: ScpiInstrument | null = null
afterEach(async () => {
  handle?.uninstall()
  handle = null
  await cleanup?.()
  instrument?.close()
  cleanup = null
  instrument = null
})

async function bench(speed: number): Promise<Bench> {
  const outputs: OutputsLogRecord[] = []
  const sent: string[] = []
  let stalled = false
  const open = async (models: ModelCatalog): Promise<Transport> => {
    instrument ??= createSurrogateInstrument(models.get(DEMO_MODEL_ID)!.definition, {
      speed,
      onOutputs: (record) => outputs.push(record)
    })
    return recordingTransport(
      duplexTransport(createInProcessLink(instrument), { description: 'test simulator' }),
      sent,
      () => stalled
    )
  }
  const made = await servicesOnTempFolder(inProcessTrainer, { openInProcessSimulator: open })
  cleanup = made.cleanup
  return { services: made.services, instrument: () => instrument!, outputs, sent, stallWrites: () => (stalled = true) }
}

const allElectrodes = (range: [number, number]) =>
  Array.from({ length: 7 }, (_, electrode) => ({
    electrode,
    rangeVolts: range,
    trialRangeVolts: null,
    suggestedRangeVolts: null,
    saturated: false
  }))

async function connectCalibrated(services: Bench['services']): Promise<void> {
  const { profile } = await services.device.connect(IN_PROCESS_SIMULATOR_PATH)
  await services.device.saveCalibration({
    profileId: profile!.id,
    notes: '',
    electrodes: allElectrodes([-0.8, 0.6]),
    measurementId: null
  })
}

/** Starts a long GA run on the instrument; resolves once `steps` generations are recorded. */
async function deviceRunAfter(
  services: Bench['services'],
  steps: number
): Promise<{ runId: number; finished: TrainingFinishedEvent[] }> {
  const finished: TrainingFinishedEvent[] = []
  services.training.on('finished', (event) => finished.push(event))
  let recorded = 0
  const reached = new Promise<void>((resolve) =>
    services.training.on('progress', () => ++recorded === steps && resolve())
  )
  const { runId } = services.training.start({
    ...DEFAULT_GA_CONFIG,
    modelId: 'demo',
    processor: 'device',
    generations: 1000,
    stopThreshold: 2,
    seed: 5
  })
  await reached
  return { runId, finished }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('last-resort handlers on the real app services', () => {
  it('a fatal error during a GA run on the instrument: ABOR is its last command, the run is interrupted with its checkpoint, nothing else starts', async () => {
    const { services, sent, outputs, instrument: sim } = await bench(Infinity)
    await connectCalibrated(services)
    const events = fakeEvents()
    const { face, lines, exited } = fakeFace()
    // No targets given: the services registered themselves when they were created.
    install(face, events, {})
    const { runId, finished } = await deviceRunAfter(services, 2)

    events.raise(new Error('boom'))
    expect(await exited).toBe(70)
    expect(lines).toEqual([
      `dnpu: fatal error: boom; the instrument was sent ABOR (outputs to 0 V) and run ${runId} was marked interrupted`
    ])

    const run = services.runs.getRun(runId)!
    expect(run).toMatchObject({
      status: 'interrupted',
      error: 'DNPU Lab stopped on a fatal error: boom',
      resumable: true
    })
    expect(run.generations).toBeGreaterThanOrEqual(2)
    expect(services.runs.getCheckpoint(runId)).not.toBeNull()
    // Nobody is told the run ended normally (a CLI would print a result, a face close the port).
    expect(finished).toEqual([])

    await sim().settled()
    expect(sent.at(-1)).toBe('ABOR')
    expect(outputs.at(-1)).toMatchObject({ event: 'abort', toVolts: [0, 0, 0, 0, 0, 0, 0] })
    expect(() => services.training.start({ ...DEFAULT_GA_CONFIG, modelId: 'demo' })).toThrow(
      /DNPU Lab is stopping after a fatal error \(boom\): no run can start/
    )
    await expect(services.device.connect(IN_PROCESS_SIMULATOR_PATH)).rejects.toThrow(
      /DNPU Lab is stopping after a fatal error \(boom\)/
    )
    expect(sent.at(-1)).toBe('ABOR')
  })

  it('ABOR overtakes a playback in progress: the instrument stops it and ramps every output to 0 V', async () => {
    // A thousandth of real time: the playback outlasts the test by far unless ABOR stops it.
    const { services, sent, outputs } = await bench(0.001)
    await connectCalibrated(services)
    const measuring = services.device.measurePoints(Float32Array.of(0.3, -0.3, 0.1, 0, 0.2, -0.1, 0.05), 1)
    measuring.catch(() => undefined)
    // The host waits on *OPC? once INIT went out (the simulator gets the bytes synchronously).
    await until(() => sent.includes('*OPC?') && sent.lastIndexOf('*OPC?') > sent.lastIndexOf('INIT'))

    await services.device.emergencyAbort('boom')
    expect(outputs.at(-1)).toMatchObject({ event: 'abort', playbackStopped: true, toVolts: [0, 0, 0, 0, 0, 0, 0] })
    await expect(measuring).rejects.toThrow(/DNPU Lab is stopping after a fatal error \(boom\)/)
    expect(sent.at(-1)).toBe('ABOR')
  })

  it('an instrument that never takes the ABOR bytes: the wait ends, the run is still marked, the line says to check the outputs', async () => {
    const { services, stallWrites } = await bench(Infinity)
    await connectCalibrated(services)
    const events = fakeEvents()
    const { face, lines, exited } = fakeFace()
    install(face, events, { abortWaitMs: 50 })
    const { runId } = await deviceRunAfter(services, 1)
    stallWrites()
    events.raise(new Error('boom'))
    expect(await exited).toBe(70)
    expect(lines).toEqual([
      `dnpu: fatal error: boom; ABOR could not be sent to the instrument (the port did not take the bytes within 0.05 s): check that its outputs are at 0 V; run ${runId} was marked interrupted`
    ])
    expect(services.runs.getRun(runId)).toMatchObject({ status: 'interrupted', resumable: true })
  })
})
