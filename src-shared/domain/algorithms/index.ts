/**
 * The algorithms this build knows, each declared once (see descriptor.ts). Adding one is a new
 * file next to these and its line here: the ids, the `Algorithm` type and every consumer follow.
 */
import { capacityAlgorithm } from './capacity'
import type { AnyAlgorithmDescriptor } from './descriptor'
import { gaAlgorithm } from './ga'
import { gdAlgorithm } from './gd'
import { algorithmRegistry } from './registry'
import { surrogateAlgorithm } from './surrogate'

export * from './descriptor'
export { gaAlgorithm } from './ga'
export { gdAlgorithm } from './gd'
export { capacityAlgorithm, capacitySweepSize } from './capacity'
export { algorithmRegistry, type AlgorithmRegistry } from './registry'
export { surrogateAlgorithm } from './surrogate'

export const ALGORITHM_DESCRIPTORS = [gaAlgorithm, gdAlgorithm, capacityAlgorithm, surrogateAlgorithm] as const

export type Algorithm = (typeof ALGORITHM_DESCRIPTORS)[number]['id']
export const ALGORITHMS = ALGORITHM_DESCRIPTORS.map((descriptor) => descriptor.id) as [Algorithm, ...Algorithm[]]

const registry = algorithmRegistry<AnyAlgorithmDescriptor>(ALGORITHM_DESCRIPTORS)

/** Adds a descriptor at run time (tests only); returns the function that removes it. */
export const registerAlgorithm = registry.register
/** Every known descriptor, the shipped ones first. */
export const allAlgorithms = registry.all
export const findAlgorithm = registry.find
/** The descriptor of `id`; throws naming the known ones when this build does not know it. */
export const algorithmOf = registry.of
