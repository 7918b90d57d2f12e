/**
 * The run on the Training view, kept outside the view so that leaving the view and coming back
 * neither loses the form nor the run on screen, and live events keep arriving meanwhile.
 * The History view reads it too (the paused state of the run in progress, Resume).
 */
import type {
  Algorithm,
  CapacityAtN,
  RunDetail,
  RunStatus,
  TrainingConfig,
  TrainingFinishedEvent,
  TrainingPausedEvent,
  TrainingProgressEvent
} from '../../../src-shared/ipc'
import { trainsControls } from '../../../src-shared/ipc'
import { algorithmOf } from '../../../src-shared/domain'
import { api, errorMessage, onConnectionRestored } from './api.svelte'
import { EpochTrace } from './epoch-trace.svelte'
import { RunTrace } from './run-trace.svelte'
import { epochsOfRun } from './surrogate-result'
import { defaultForm, formFromConfig, type TrainingForm } from './training-form'

type BufferedEvent =
  | { kind: 'progress'; event: TrainingProgressEvent }
  | { kind: 'paused'; event: TrainingPausedEvent }
  | { kind: 'finished'; event: TrainingFinishedEvent }

/** Events that arrive while a start or resume is in flight wait for its run id. */
const MAX_BUFFERED_EVENTS = 10_000

/** How long a pause or continue may wait for the trainer's confirmation before main is asked. */
const PAUSE_CONFIRMATION_MS = 5_000

/** Steps a config asks for (generations, epochs, labelings...), as its algorithm's descriptor counts them. */
export function stepsOf(config: TrainingConfig): number {
  return algorithmOf(config.algorithm).totalSteps(config)
}

/** A capacity sweep's [fromN, toN]; null for the other algorithms. */
function capacityRangeOf(config: TrainingConfig): readonly [number, number] | null {
  return config.algorithm === 'capacity' ? [config.fromN, config.toN] : null
}

class TrainingSession {
  form = $state<TrainingForm | null>(null)

  runId = $state<number | null>(null)
  status = $state<RunStatus | null>(null)
  /** The algorithm of the run on screen (not of the form). */
  algorithm = $state<Algorithm>('ga')
  /** Generations (GA), epochs (GD) or labelings (capacity sweep) the run on screen asks for. */
  totalSteps = $state(0)
  /** GA: best-so-far fitness and correlation per generation. */
  trace = new RunTrace()
  /** GD: training and validation loss per epoch. */
  epochs = new EpochTrace()
  /** Capacity sweep: labelings decided, the result per N so far, and the sweep's [fromN, toN]. */
  capacityDone = $state(0)
  capacity = $state.raw<CapacityAtN[] | null>(null)
  capacityRange = $state.raw<readonly [number, number] | null>(null)
  /** The stored run, once it has ended (results: outputs, control voltages, accuracy). */
  detail = $state.raw<RunDetail | null>(null)
  /** Why the run failed or was interrupted, as main reports it. */
  runError = $state<string | null>(null)
  /** A request main refused or that could not be delivered. */
  requestError = $state<string | null>(null)
  /** A start or resume request is in flight. */
  starting = $state(false)
  stopping = $state(false)
  /** The run in progress waits between two steps (its trainer keeps its whole state). */
  paused = $state(false)
  /** A pause or continue was asked for and the trainer has not confirmed it yet. */
  pauseRequested = $state(false)

  #buffer: BufferedEvent[] = []
  #loadToken = 0
  #subscribed = false

  get running(): boolean {
    return this.status === 'running'
  }

  /** Generations, epochs or labelings recorded for the run on screen. */
  get stepsDone(): number {
    if (this.algorithm === 'capacity') return this.capacityDone
    return this.algorithm === 'ga' ? this.trace.count : this.epochs.count
  }

  /** Subscribes once for the app's lifetime and picks up a run already in progress. */
  attach(): void {
    if (!this.#subscribed) {
      this.#subscribed = true
      api.onTrainingProgress((event) => this.#onProgress(event))
      api.onTrainingPaused((event) => this.#onPaused(event))
      api.onTrainingFinished((event) => this.#onFinished(event))
      onConnectionRestored(() => void this.pickUp())
    }
    void this.pickUp()
  }

  /** Shows the run in progress, if any (after a reload, or one started in another window). */
  async pickUp(): Promise<void> {
    if (this.starting) return
    try {
      const { runId, paused } = await api.activeTraining()
      if (this.starting) return
      this.requestError = null
      if (runId !== null) await this.#load(runId, { paused })
      else if (this.runId !== null && this.running) await this.#load(this.runId) // it ended meanwhile
    } catch (error) {
      this.requestError = errorMessage(error)
    }
  }

  async start(config: TrainingConfig): Promise<boolean> {
    return this.#launch(async () => {
      const { runId } = await api.startTraining(config)
      this.#show(runId, config.algorithm, stepsOf(config))
      this.capacityRange = capacityRangeOf(config)
      return runId
    })
  }

  /**
   * Continues a stopped or interrupted run from its checkpoint, in the same run id, and shows
   * it here: its stored history first, then the new steps live. False if main refused (the
   * reason is in `requestError`).
   */
  async resume(runId: number): Promise<boolean> {
    const resumed = await this.#launch(async () => {
      const { runId: resumedId } = await api.resumeRun({ runId })
      // The run on screen keeps its curves (the stored history is the same); another run's
      // algorithm, step count and history are read back just below.
      const same = this.runId === resumedId
      this.#show(resumedId, same ? this.algorithm : 'ga', same ? this.totalSteps : 0, { keepHistory: same })
      return resumedId
    })
    if (resumed && this.runId === runId && this.running) await this.#load(runId)
    return resumed
  }

  async stop(): Promise<void> {
    if (this.runId === null || !this.running || this.stopping) return
    const runId = this.runId
    this.stopping = true
    this.requestError = null
    try {
      const { stopping } = await api.stopTraining({ runId })
      // Not stopping: the run had already ended; its finished event may have been missed.
      if (!stopping) await this.#load(runId)
    } catch (error) {
      this.stopping = false
      this.requestError = errorMessage(error)
    }
  }

  /** Pauses (true) or continues (false) the run in progress after its current step. */
  async setPaused(paused: boolean): Promise<void> {
    if (this.runId === null || !this.running || this.stopping || this.pauseRequested) return
    if (this.paused === paused) return
    const runId = this.runId
    this.pauseRequested = true
    this.requestError = null
    try {
      if (paused) await api.pauseTraining({ runId })
      else await api.continueTraining({ runId })
      // The trainer confirms with a training:paused event (after its current step). Should that
      // never come (a trainer still starting ignores the request), ask main what holds.
      setTimeout(() => void this.#confirmPause(runId), PAUSE_CONFIRMATION_MS)
    } catch (error) {
      this.pauseRequested = false
      this.requestError = errorMessage(error)
      // The run may have ended meanwhile; show what main has.
      void this.pickUp()
    }
  }

  async #confirmPause(runId: number): Promise<void> {
    if (!this.pauseRequested || this.runId !== runId) return
    try {
      const active = await api.activeTraining()
      if (!this.pauseRequested || this.runId !== runId) return
      this.pauseRequested = false
      if (active.runId === runId) this.paused = active.paused
      else void this.#load(runId) // it ended meanwhile
    } catch (error) {
      this.pauseRequested = false
      this.requestError = errorMessage(error)
    }
  }

  /** Runs a start or resume, holding back events until the run id is known; true if it began. */
  async #launch(request: () => Promise<number>): Promise<boolean> {
    if (this.starting || this.running) return false
    this.starting = true
    this.requestError = null
    this.#buffer = []
    try {
      this.#loadToken++ // a load still in flight belongs to an older run
      const runId = await request()
      this.#loadToken++
      const early = this.#buffer.filter((b) => b.event.runId === runId)
      this.starting = false
      for (const b of early) {
        if (b.kind === 'progress') this.#onProgress(b.event)
        else if (b.kind === 'paused') this.#onPaused(b.event)
        else this.#onFinished(b.event)
      }
      return true
    } catch (error) {
      this.requestError = errorMessage(error)
      return false
    } finally {
      this.starting = false
      this.#buffer = []
    }
  }

  #show(runId: number, algorithm: Algorithm, totalSteps: number, { keepHistory = false } = {}): void {
    this.runId = runId
    this.status = 'running'
    this.algorithm = algorithm
    this.totalSteps = totalSteps
    this.detail = null
    this.runError = null
    this.stopping = false
    this.paused = false
    this.pauseRequested = false
    if (keepHistory) return
    this.trace.reset()
    this.epochs.reset()
    this.capacityDone = 0
    this.capacity = null
    this.capacityRange = null
  }

  async #load(runId: number, options: { paused?: boolean; attempt?: number } = {}): Promise<void> {
    const attempt = options.attempt ?? 0
    const token = ++this.#loadToken
    const adopting = runId !== this.runId
    if (adopting) this.#show(runId, this.algorithm, 0)
    try {
      const detail = await api.getRun({ runId })
      if (token !== this.#loadToken || this.runId !== runId) return
      if (adopting && trainsControls(detail.config)) this.form = formFromConfig(detail.config)
      this.algorithm = detail.config.algorithm
      this.totalSteps = stepsOf(detail.config)
      this.capacityRange = capacityRangeOf(detail.config)
      this.trace.merge(detail.metrics)
      // Surrogate training keeps its epochs as recorded steps only.
      this.epochs.merge(epochsOfRun(detail))
      if (detail.config.algorithm === 'capacity' && detail.generations >= this.capacityDone) {
        this.capacityDone = detail.generations
        this.capacity = detail.capacity
      }
      if (options.paused !== undefined && detail.status === 'running' && !this.pauseRequested)
        this.paused = options.paused
      if (detail.status === 'running' && this.status !== 'running' && this.status !== null) {
        // The finished event overtook the database write; read the stored result again shortly.
        if (attempt < 5) setTimeout(() => void this.#load(runId, { attempt: attempt + 1 }), 300 * (attempt + 1))
        return
      }
      this.status = detail.status
      this.runError = detail.error
      if (detail.status !== 'running') {
        this.detail = detail
        this.stopping = false
        this.paused = false
        this.pauseRequested = false
      }
    } catch (error) {
      if (token === this.#loadToken) this.requestError = errorMessage(error)
    }
  }

  #buffered(entry: BufferedEvent): void {
    if (this.#buffer.length < MAX_BUFFERED_EVENTS) this.#buffer.push(entry)
  }

  #onProgress(event: TrainingProgressEvent): void {
    // While a start or resume is in flight, even the shown run's events wait: a resumed run
    // keeps its id, and its new steps must land on the reset trace, not the old one.
    if (this.starting) this.#buffered({ kind: 'progress', event })
    else if (event.runId === this.runId) {
      this.algorithm = event.algorithm
      if (event.algorithm === 'ga') {
        this.totalSteps = event.totalGenerations
        this.trace.add(event.metrics)
      } else if (event.algorithm === 'gd' || event.algorithm === 'surrogate') {
        this.totalSteps = event.totalEpochs
        this.epochs.add(event.epoch)
      } else if (event.sweepDone > this.capacityDone) {
        this.totalSteps = event.sweepTotal
        this.capacityDone = event.sweepDone
        this.capacity = event.capacity
      }
    } else if (!this.running) {
      // A run started elsewhere (another browser window on the same lab PC): follow it.
      void this.#load(event.runId)
    }
  }

  #onPaused(event: TrainingPausedEvent): void {
    if (this.starting) this.#buffered({ kind: 'paused', event })
    else if (event.runId === this.runId && this.running) {
      this.paused = event.paused
      this.pauseRequested = false
    } else if (!this.running) {
      void this.#load(event.runId, { paused: event.paused })
    }
  }

  #onFinished(event: TrainingFinishedEvent): void {
    if (this.starting) this.#buffered({ kind: 'finished', event })
    else if (event.runId === this.runId) {
      this.status = event.status
      this.runError = event.error
      this.stopping = false
      this.paused = false
      this.pauseRequested = false
      void this.#load(event.runId)
    }
  }
}

export const trainingSession = new TrainingSession()

/**
 * Puts a model in the training form (the Models view's "Use for training"); the other fields
 * keep their values, or get the lab's defaults if the form has not been shown yet.
 */
export function selectTrainingModel(modelId: string): void {
  if (trainingSession.form) trainingSession.form.modelId = modelId
  else trainingSession.form = defaultForm(modelId)
}
