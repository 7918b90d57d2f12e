/**
 * The trainer's side of the worker protocol: runs one run of any algorithm step by step.
 *
 * Kept apart from the worker entry so tests can drive it over an in-process MessageChannel.
 * Between steps it yields to the event loop, which is how `stop`, `pause` and `continue`
 * messages get in; a paused run waits there, keeping its whole state, until continued or stopped.
 */
import { algorithmOf } from '../../src-shared/domain'
import { initComputeBackend } from '../core'
import { runnerOf } from './algorithm-runners'
import { RemoteProcessor } from './remote-processor'
import type { Outgoing, StepRunner } from './step-runner'
import type { FromTrainer, MessageEndpoint, ToTrainer, TrainerSetup } from './trainer-protocol'

export function runTrainerLoop(port: MessageEndpoint<ToTrainer, FromTrainer>): void {
  let seq = 0
  let stopRequested = false
  let paused = false
  let started = false
  let wake: (() => void) | null = null
  // A pause is confirmed only between steps: the step under way when it arrives is sent first,
  // so "paused after step N" is true when main and the page hear it.
  let stepping = false
  let confirmedPaused = false
  const confirmPaused = (): void => {
    if (confirmedPaused === paused) return
    confirmedPaused = paused
    send({ type: 'paused', paused })
  }
  const send = (message: Outgoing): void => port.postMessage({ ...message, seq: ++seq } as FromTrainer)
  let device: RemoteProcessor | null = null
  // Steps sent that main has not yet written: the trainer never runs more than a few steps
  // ahead of the database, so a fast run cannot bury a Stop under a backlog of messages.
  let unrecordedSteps = 0
  const wakeUp = (): void => {
    wake?.()
    wake = null
  }

  port.on('message', (message) => {
    switch (message.type) {
      case 'stop':
        stopRequested = true
        wakeUp()
        return
      case 'pause':
      case 'continue': {
        const wanted = message.type === 'pause'
        if (paused !== wanted && started) {
          paused = wanted
          if (!stepping) confirmPaused()
          wakeUp()
        }
        return
      }
      case 'recorded':
        unrecordedSteps = Math.max(0, unrecordedSteps - 1)
        wakeUp()
        return
      case 'measured':
        device?.settle({ requestId: message.requestId, outputsNanoamps: message.outputsNanoamps })
        return
      case 'measure-failed':
        device?.settle({ requestId: message.requestId, message: message.message })
        return
      case 'start':
        if (started) return
        started = true
        if (message.setup.device) {
          device = new RemoteProcessor(message.setup.device, (requestId, inputsVolts, rowCount) =>
            send({ type: 'measure', requestId, inputsVolts, rowCount })
          )
        }
        train(message.setup).catch((error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error))
          send({ type: 'error', message: failure.message, stack: failure.stack })
        })
    }
  })

  async function train(setup: TrainerSetup): Promise<void> {
    const computeBackend = await initComputeBackend()
    const runner = await createRunner(setup, device)
    try {
      send({ type: 'ready', computeBackend })
      while (!runner.done) {
        await yieldToEventLoop()
        while ((paused || unrecordedSteps >= MAX_UNRECORDED_STEPS) && !stopRequested)
          await new Promise<void>((resolve) => (wake = resolve))
        const reachedStopAfter = setup.stopAfter !== undefined && runner.stepsRun >= setup.stopAfter
        if (stopRequested || reachedStopAfter) {
          send(await runner.finish('stopped'))
          return
        }
        stepping = true
        try {
          send(await runner.step())
        } finally {
          stepping = false
        }
        unrecordedSteps++
        confirmPaused()
      }
      send(await runner.finish('completed'))
    } finally {
      runner.dispose()
    }
  }
}

function createRunner(setup: TrainerSetup, device: RemoteProcessor | null): Promise<StepRunner> {
  const { config, checkpoint } = setup
  if (checkpoint && checkpoint.algorithm !== config.algorithm) {
    throw new Error(`a ${checkpoint.algorithm} checkpoint cannot continue a ${config.algorithm} run`)
  }
  if (device && !algorithmOf(config.algorithm).trainsOnDevice) {
    throw new Error(`only the genetic algorithm trains on the instrument (${config.algorithm} needs the surrogate)`)
  }
  return runnerOf(config.algorithm).create(setup, device ?? undefined)
}

/** How far the trainer may run ahead of main's writes (steps). */
const MAX_UNRECORDED_STEPS = 4

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
