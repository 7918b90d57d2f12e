/**
 * Starts a trainer worker thread. Only this module knows how the worker file is bundled
 * (electron-vite's `?nodeWorker`), so services and tests stay free of build details.
 */
import createTrainerWorker from './trainer-worker?nodeWorker'
import type { TrainerHandle } from '../services/training-service'

export function spawnTrainerWorker(): TrainerHandle {
  return createTrainerWorker({ name: 'dnpu-trainer' })
}
