import type { AlignedData } from 'uplot'
import type { EpochMetrics } from '../../../src-preload/contract'

/**
 * A gradient-descent run's per-epoch losses, kept as uPlot columns that grow in place (the
 * GD counterpart of RunTrace: a live run adds an epoch per event).
 */
export class EpochTrace {
  #epochs: EpochMetrics[] = []
  #epoch: number[] = []
  #trainLoss: number[] = []
  #validationLoss: (number | null)[] = []

  /** [epoch, train loss, validation loss]; a new outer array per change. */
  data = $state.raw<AlignedData>([[], [], []])
  latest = $state.raw<EpochMetrics | null>(null)
  /** Lowest validation loss so far and its epoch (the controls a GD run returns). */
  bestValidation = $state.raw<{ epoch: number; loss: number } | null>(null)
  /** Epochs recorded. */
  count = $state(0)

  constructor(epochs: readonly EpochMetrics[] = []) {
    this.reset(epochs)
  }

  reset(epochs: readonly EpochMetrics[] = []): void {
    this.#epochs = []
    this.#epoch = []
    this.#trainLoss = []
    this.#validationLoss = []
    this.bestValidation = null
    const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch)
    for (const e of sorted) this.#append(e)
    this.#publish()
  }

  /** Adds a live epoch; a repeated or older epoch is ignored. */
  add(epoch: EpochMetrics): void {
    if (this.#append(epoch)) this.#publish()
  }

  /** Replaces the history with the stored one, keeping live epochs newer than it. */
  merge(stored: readonly EpochMetrics[]): void {
    const lastStored = stored.reduce((max, e) => Math.max(max, e.epoch), -Infinity)
    const newerLive = this.#epochs.filter((e) => e.epoch > lastStored)
    this.reset([...stored, ...newerLive])
  }

  #append(e: EpochMetrics): boolean {
    const last = this.#epochs.at(-1)
    if (last && e.epoch <= last.epoch) return false
    this.#epochs.push(e)
    this.#epoch.push(e.epoch)
    this.#trainLoss.push(e.trainLoss)
    this.#validationLoss.push(e.validationLoss)
    const v = e.validationLoss
    if (v !== null && Number.isFinite(v) && (this.bestValidation === null || v < this.bestValidation.loss)) {
      this.bestValidation = { epoch: e.epoch, loss: v }
    }
    return true
  }

  #publish(): void {
    this.data = [this.#epoch, this.#trainLoss, this.#validationLoss]
    this.latest = this.#epochs.at(-1) ?? null
    this.count = this.#epochs.length
  }
}
