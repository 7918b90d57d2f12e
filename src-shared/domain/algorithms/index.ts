/**
 * The algorithms this build knows, each declared once (see descriptor.ts). Adding one is a new
 * file next to these and its line here: the ids, the `Algorithm` type and every consumer follow.
 */
import { capacityAlgorithm } from './capacity'
import type { AnyAlgorithmDescriptor } from './descriptor'
import { gaAlgorithm } from './ga'
import { gdAlgorithm } from './gd'

export * from './descriptor'
export { gaAlgorithm } from './ga'
export { gdAlgorithm } from './gd'
export { capacityAlgorithm, capacitySweepSize } from './capacity'

export const ALGORITHM_DESCRIPTORS = [gaAlgorithm, gdAlgorithm, capacityAlgorithm] as const

export type Algorithm = (typeof ALGORITHM_DESCRIPTORS)[number]['id']
export const ALGORITHMS = ALGORITHM_DESCRIPTORS.map((descriptor) => descriptor.id) as [Algorithm, ...Algorithm[]]

/**
 * Descriptors added at run time: only tests do it (a toy algorithm proving that a descriptor is
 * all a new algorithm needs); the shipped ones are the list above.
 */
const extraDescriptors = new Map<string, AnyAlgorithmDescriptor>()

export function registerAlgorithm(descriptor: AnyAlgorithmDescriptor): () => void {
  if (findAlgorithm(descriptor.id)) throw new Error(`algorithm '${descriptor.id}' is already declared`)
  extraDescriptors.set(descriptor.id, descriptor)
  return () => extraDescriptors.delete(descriptor.id)
}

/** Every known descriptor, the shipped ones first. */
export function allAlgorithms(): AnyAlgorithmDescriptor[] {
  return [...ALGORITHM_DESCRIPTORS, ...extraDescriptors.values()]
}

export function findAlgorithm(id: string): AnyAlgorithmDescriptor | undefined {
  return allAlgorithms().find((descriptor) => descriptor.id === id)
}

/** The descriptor of `id`; throws naming the known ones when this build does not know it. */
export function algorithmOf(id: string): AnyAlgorithmDescriptor {
  const descriptor = findAlgorithm(id)
  if (!descriptor) throw new Error(`algorithm '${id}' is not known to this version (known: ${allAlgorithms().map((d) => d.id).join(', ')})`)
  return descriptor
}
