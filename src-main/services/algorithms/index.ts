/**
 * The main-process half of each algorithm's descriptor, one line per algorithm (its file holds
 * the rest; the plain half is src-shared/domain/algorithms).
 */
import { algorithmRegistry } from '../../../src-shared/domain'
import { capacityService } from './capacity'
import type { ServiceAlgorithm } from './descriptor'
import { gaService } from './ga'
import { gdService } from './gd'
import { surrogateService } from './surrogate'

export type { PreparedRun, ReferenceBatch, ResultText, RunContext, ServiceAlgorithm } from './descriptor'

const services = algorithmRegistry<ServiceAlgorithm>([gaService, gdService, capacityService, surrogateService])

/** Adds a main half at run time (tests only, with its descriptor); returns the function that removes it. */
export const registerServiceAlgorithm = services.register
/** The main-process half of `id`'s descriptor; throws naming it when this build does not know it. */
export const serviceAlgorithmOf = services.of
