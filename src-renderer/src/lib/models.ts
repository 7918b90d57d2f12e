import type { ModelSummary } from '../../../src-preload/contract'
import { api } from './api.svelte'

let cached: Promise<ModelSummary[]> | null = null

/** The models main offers; asked once per session (a failed answer is asked again next time). */
export function loadModels(): Promise<ModelSummary[]> {
  if (!cached) {
    cached = api.listModels()
    cached.catch(() => {
      cached = null
    })
  }
  return cached
}
