/**
 * The worker half of each algorithm's descriptor: how its trainer starts. One line per
 * algorithm (its runner file holds the rest); the plain half is src-shared/domain/algorithms.
 */
import { algorithmRegistry } from '../../src-shared/domain'
import { capacityRunner } from './capacity-runner'
import { gaRunner } from './ga-runner'
import { gdRunner } from './gd-runner'
import type { AlgorithmRunner } from './step-runner'
import { surrogateRunner } from './surrogate-runner'

const runners = algorithmRegistry<AlgorithmRunner>([gaRunner, gdRunner, capacityRunner, surrogateRunner])

/** Adds a runner at run time (tests only, with its descriptor); returns the function that removes it. */
export const registerRunner = runners.register
export const runnerOf = runners.of
