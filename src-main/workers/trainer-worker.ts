/** worker_threads entry of a trainer (loaded by electron-vite's `?nodeWorker`). */
import { parentPort } from 'node:worker_threads'
import { runTrainerLoop } from './trainer-loop'
import type { FromTrainer, ToTrainer } from './trainer-protocol'

if (!parentPort) throw new Error('trainer-worker must run inside a worker thread')
const port = parentPort
runTrainerLoop({
  postMessage: (message: FromTrainer) => port.postMessage(message),
  on: (event, listener) => port.on(event, (message: ToTrainer) => listener(message))
})
