import type { EpochMetrics } from '../../../src-shared/ipc'
import { StepTrace } from './step-trace.svelte'

/**
 * A gradient-descent run's per-epoch losses: [epoch, train loss, validation loss], and the
 * lowest validation loss so far.
 */
export class EpochTrace extends StepTrace<EpochMetrics> {
  /** Lowest validation loss so far and its epoch (the controls a GD run returns). */
  bestValidation = $state.raw<{ epoch: number; loss: number } | null>(null)

  constructor(epochs: readonly EpochMetrics[] = []) {
    super({
      step: (e) => e.epoch,
      columns: [(e) => e.epoch, (e) => e.trainLoss, (e) => e.validationLoss]
    })
    this.reset(epochs)
  }

  protected override appended(e: EpochMetrics): void {
    const v = e.validationLoss
    if (v !== null && Number.isFinite(v) && (this.bestValidation === null || v < this.bestValidation.loss)) {
      this.bestValidation = { epoch: e.epoch, loss: v }
    }
  }

  protected override cleared(): void {
    this.bestValidation = null
  }
}
