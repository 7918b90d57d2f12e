/**
 * The names both sides of the app share: algorithm ids, run statuses, tasks, fitness and loss
 * functions. Plain constants: core, services, the CLI and the renderer import them from here.
 */
export const RUN_STATUSES = ['running', 'completed', 'stopped', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

/** Boolean gates the training view and CLI accept by name; `gate:0110` gives any truth table. */
export const GATE_NAMES = ['and', 'or', 'nand', 'nor', 'xor', 'xnor'] as const

export const FITNESS_NAMES = ['corrsig_fit', 'corr_fit', 'accuracy_fit', 'fisher_fit'] as const
export type FitnessName = (typeof FITNESS_NAMES)[number]

/** Tasks trained with gradient descent. */
export const GD_TASK_NAMES = ['ring'] as const
export const GD_LOSS_NAMES = ['corrsig', 'fisher', 'mse', 'bce', 'sigmoid_nn_distance'] as const
export const GD_OPTIMIZER_NAMES = ['adam', 'sgd'] as const
export const GD_CONSTRAINT_NAMES = ['clip', 'regul'] as const
/** Algorithm ids come from their descriptors (./algorithms). */
export { ALGORITHMS, type Algorithm } from './algorithms'

/** Smallest and largest N of the VC-dimension point set. */
export const VC_DIMENSION_RANGE = [4, 10] as const
