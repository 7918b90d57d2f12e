/** What each `dnpu` command does, on top of the shared app services. */
import { startBrowserServer } from '../bridge/browser-server'
import { createAppServices } from '../services/app-services'
import { forwardEvents } from '../services/event-forwarding'
import { createRequestHandler } from '../services/request-handler'
import { spawnTrainerWorker } from '../workers/spawn-trainer'
import { createSurrogateFileReader } from '../workers/surrogate-reader'
import { CliError, type CliContext } from './program'

export function openServices(context: CliContext, dataFolder: string, mode: 'electron' | 'browser' = 'browser') {
  return createAppServices({
    dataFolder,
    resourcesFolder: context.resourcesFolder,
    version: context.version,
    mode,
    spawnTrainer: spawnTrainerWorker,
    readSurrogateFile: createSurrogateFileReader()
  })
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export async function runInfo(context: CliContext, dataFolder: string, json: boolean): Promise<void> {
  const services = await openServices(context, dataFolder)
  try {
    const { version, computeBackend } = services.info
    if (json) printJson({ version, computeBackend, dataFolder })
    else
      process.stdout.write(`DNPU Lab ${version}\ncompute backend: ${computeBackend}\ndata folder:     ${dataFolder}\n`)
  } finally {
    await services.close()
  }
}

export { formatNumber } from '../services/algorithms/text'

export async function runServe(context: CliContext, dataFolder: string, port: number): Promise<void> {
  const services = await openServices(context, dataFolder, 'browser')
  let server
  try {
    server = await startBrowserServer({
      rendererFolder: context.rendererFolder,
      port,
      handleRequest: createRequestHandler(services),
      subscribe: (sink) => forwardEvents(services, sink)
    })
  } catch (error) {
    await services.close()
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE')
      throw new CliError(`port ${port} is already in use: pick another with --port, or --port 0 for any free port`, 1)
    if (code === 'ENOENT')
      throw new CliError(`the app is not built (${context.rendererFolder} is missing): run npm run build`, 1)
    throw error
  }
  process.stdout.write(`DNPU Lab running at ${server.url}\n`)
  process.stderr.write(
    `data folder: ${dataFolder}\ncompute backend: ${services.info.computeBackend}\npress Ctrl+C to stop\n`
  )
  await new Promise<void>((resolveStop) => {
    const stop = (): void => resolveStop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  process.stderr.write('stopping DNPU Lab\n')
  await server.close()
  await services.close()
}
