/**
 * Safety and size limits every layer applies the same way. One definition each: the services,
 * the CLI, core and the renderer's forms import them from here.
 */

/** Ranges wider than this need an explicit, confirmed and recorded override. */
export const SAFE_RANGE_VOLTS: readonly [number, number] = [-1.2, 1.0]

/** Most activation electrodes a device profile may map: bounds every per-electrode list a request carries. */
export const MAX_ACTIVATION_ELECTRODES = 64

/** Largest model file accepted for import (lab surrogates are a few MB at most). */
export const MAX_MODEL_FILE_BYTES = 64 * 1024 * 1024
