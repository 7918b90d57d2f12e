import type { ModelSummary } from '../../../src-shared/ipc'
import { api } from './api.svelte'

/** The models main offers, asked afresh: models are imported, renamed and deleted while the app runs. */
export function refreshModels(): Promise<ModelSummary[]> {
  return api.listModels()
}

/**
 * The network's shape as the lab writes it: `7 -> [90 x 5] -> 1, relu` (electrodes in, hidden
 * layers, outputs, activation); hidden layers of different widths are listed one by one.
 */
export function modelStructure(
  model: Pick<ModelSummary, 'inputCount' | 'outputCount' | 'hiddenSizes' | 'activation'>
): string {
  const sizes = model.hiddenSizes
  let hidden: string | null = null
  if (sizes.length > 0) {
    hidden = sizes.every((size) => size === sizes[0]) ? `[${sizes[0]} x ${sizes.length}]` : `[${sizes.join(', ')}]`
  }
  const layers = hidden === null ? [model.inputCount, model.outputCount] : [model.inputCount, hidden, model.outputCount]
  return `${layers.join(' -> ')}, ${model.activation}`
}
