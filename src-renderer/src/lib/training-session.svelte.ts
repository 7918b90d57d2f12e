/**
 * The Training view's run, kept outside the view so that leaving the view and coming back
 * neither loses the form nor the run on screen, and live events keep arriving meanwhile.
 */
import type {
  GaTrainingConfig,
  RunDetail,
  RunStatus,
  TrainingFinishedEvent,
  TrainingProgressEvent
} from '../../../src-preload/contract'
import { api, errorMessage, onConnectionRestored } from './api.svelte'
import { RunTrace } from './run-trace.svelte'
import { defaultForm, formFromConfig, type TrainingForm } from './training-form'

type BufferedEvent =
  | { kind: 'progress'; event: TrainingProgressEvent }
  | { kind: 'finished'; event: TrainingFinishedEvent }

/** Events of a run whose id is not known yet can only come while a start is in flight. */
const MAX_BUFFERED_EVENTS = 10_000

class TrainingSession {
  form = $state<TrainingForm | null>(null)

  runId = $state<number | null>(null)
  status = $state<RunStatus | null>(null)
  totalGenerations = $state(0)
  trace = new RunTrace()
  /** The stored run, once it has finished (results: outputs, control voltages). */
  detail = $state.raw<RunDetail | null>(null)
  /** Why the run failed or was interrupted, as main reports it. */
  runError = $state<string | null>(null)
  /** A request main refused or that could not be delivered. */
  requestError = $state<string | null>(null)
  starting = $state(false)
  stopping = $state(false)

  #buffer: BufferedEvent[] = []
  #loadToken = 0
  #subscribed = false

  get running(): boolean {
    return this.status === 'running'
  }

  /** Subscribes once for the app's lifetime and picks up a run already in progress. */
  attach(): void {
    if (!this.#subscribed) {
      this.#subscribed = true
      api.onTrainingProgress((event) => this.#onProgress(event))
      api.onTrainingFinished((event) => this.#onFinished(event))
      onConnectionRestored(() => void this.pickUp())
    }
    void this.pickUp()
  }

  /** Shows the run in progress, if any (after a reload, or one started in another window). */
  async pickUp(): Promise<void> {
    if (this.starting) return
    try {
      const { runId } = await api.activeTraining()
      if (this.starting) return
      this.requestError = null
      if (runId !== null) await this.#load(runId)
      else if (this.runId !== null && this.running) await this.#load(this.runId) // it ended meanwhile
    } catch (error) {
      this.requestError = errorMessage(error)
    }
  }

  async start(config: GaTrainingConfig): Promise<void> {
    if (this.starting || this.running) return
    this.starting = true
    this.requestError = null
    this.#buffer = []
    try {
      const { runId } = await api.startTraining(config)
      this.#loadToken++ // a load still in flight belongs to an older run
      this.#show(runId, 'running', config.generations)
      const early = this.#buffer.filter((b) => b.event.runId === runId)
      this.starting = false
      for (const b of early) {
        if (b.kind === 'progress') this.#onProgress(b.event)
        else this.#onFinished(b.event)
      }
    } catch (error) {
      this.requestError = errorMessage(error)
    } finally {
      this.starting = false
      this.#buffer = []
    }
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

  #show(runId: number, status: RunStatus, totalGenerations: number): void {
    this.runId = runId
    this.status = status
    this.totalGenerations = totalGenerations
    this.detail = null
    this.runError = null
    this.stopping = false
    this.trace.reset()
  }

  async #load(runId: number, attempt = 0): Promise<void> {
    const token = ++this.#loadToken
    const adopting = runId !== this.runId
    if (adopting) this.#show(runId, 'running', 0)
    try {
      const detail = await api.getRun({ runId })
      if (token !== this.#loadToken || this.runId !== runId) return
      if (adopting) this.form = formFromConfig(detail.config)
      this.totalGenerations = detail.config.generations
      this.trace.merge(detail.metrics)
      if (detail.status === 'running' && this.status !== 'running' && this.status !== null) {
        // The finished event overtook the database write; read the stored result again shortly.
        if (attempt < 5) setTimeout(() => void this.#load(runId, attempt + 1), 300 * (attempt + 1))
        return
      }
      this.status = detail.status
      this.runError = detail.error
      if (detail.status !== 'running') {
        this.detail = detail
        this.stopping = false
      }
    } catch (error) {
      if (token === this.#loadToken) this.requestError = errorMessage(error)
    }
  }

  #onProgress(event: TrainingProgressEvent): void {
    if (event.runId === this.runId) {
      this.totalGenerations = event.totalGenerations
      this.trace.add(event.metrics)
    } else if (this.starting) {
      if (this.#buffer.length < MAX_BUFFERED_EVENTS) this.#buffer.push({ kind: 'progress', event })
    } else if (!this.running) {
      // A run started elsewhere (another browser window on the same lab PC): follow it.
      void this.#load(event.runId)
    }
  }

  #onFinished(event: TrainingFinishedEvent): void {
    if (event.runId === this.runId) {
      this.status = event.status
      this.runError = event.error
      this.stopping = false
      void this.#load(event.runId)
    } else if (this.starting) {
      if (this.#buffer.length < MAX_BUFFERED_EVENTS) this.#buffer.push({ kind: 'finished', event })
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
