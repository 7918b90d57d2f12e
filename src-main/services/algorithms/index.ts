/**
 * The main-process half of each algorithm's descriptor, one line per algorithm (its file holds
 * the rest; the plain half is src-shared/domain/algorithms).
 */
import { capacityService } from './capacity'
import type { ServiceAlgorithm } from './descriptor'
import { gaService } from './ga'
import { gdService } from './gd'

export type { ResultText, ServiceAlgorithm } from './descriptor'

const SHIPPED: readonly ServiceAlgorithm[] = [gaService, gdService, capacityService]

/** Added at run time: only tests do it (with the plain descriptor, see registerAlgorithm). */
const extra = new Map<string, ServiceAlgorithm>()

export function registerServiceAlgorithm(algorithm: ServiceAlgorithm): () => void {
  extra.set(algorithm.id, algorithm)
  return () => extra.delete(algorithm.id)
}

/** The main-process half of `id`'s descriptor; throws naming it when this build does not know it. */
export function serviceAlgorithmOf(id: string): ServiceAlgorithm {
  const algorithm = SHIPPED.find((entry) => entry.id === id) ?? extra.get(id)
  if (!algorithm) throw new Error(`algorithm '${id}' is not known to this version (known: ${[...SHIPPED, ...extra.values()].map((a) => a.id).join(', ')})`)
  return algorithm
}
