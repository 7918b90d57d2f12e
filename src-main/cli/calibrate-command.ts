/** `dnpu calibrate`: IV sweeps on the connected instrument, saved as a new calibration version. */
import type { CalibrationElectrode } from '../../src-shared/ipc'
import { resolveDataFolder } from '../services/data-folder'
import { openServices, printJson } from './commands'
import { CliError, type CliContext } from './program'
import { connectDevice } from './train-commands'

export interface CalibrateOptions {
  port: string
  baud?: number
  electrodes: string
  points: number
  notes: string
  dataDir?: string
  json?: boolean
}

/** `all` -> undefined (every electrode); `0,3` -> [0, 3]. */
export function parseElectrodeList(text: string): number[] | undefined {
  if (text.trim().toLowerCase() === 'all') return undefined
  const parts = text.split(',').map((part) => part.trim())
  if (parts.some((part) => !/^\d+$/.test(part))) {
    throw new CliError(`--electrodes: expected "all" or a comma list of electrode numbers such as 0,3, got "${text}"`)
  }
  const electrodes = parts.map(Number)
  if (new Set(electrodes).size !== electrodes.length)
    throw new CliError(`--electrodes: "${text}" lists an electrode twice`)
  return electrodes
}

export async function runCalibrate(context: CliContext, options: CalibrateOptions): Promise<void> {
  const electrodes = parseElectrodeList(options.electrodes)
  const services = await openServices(context, resolveDataFolder(options.dataDir))
  try {
    await connectDevice(services, { port: options.port, baud: options.baud })
    const onProgress = ({
      electrode,
      electrodesDone,
      electrodesTotal
    }: {
      electrode: number
      electrodesDone: number
      electrodesTotal: number
    }) => {
      if (!options.json) process.stderr.write(`electrode ${electrode} swept (${electrodesDone}/${electrodesTotal})\n`)
    }
    services.device.on('calibrationProgress', onProgress)
    let sweep
    try {
      sweep = await services.device.runCalibration({ electrodes, pointsPerLeg: options.points })
    } catch (error) {
      throw new CliError(`calibration failed: ${(error as Error).message}`, 1)
    } finally {
      services.device.off('calibrationProgress', onProgress)
    }
    // Electrodes not swept this time keep their range from the active calibration.
    const previous = services.device.status().calibration?.electrodes ?? []
    const swept: CalibrationElectrode[] = sweep.electrodes.map((e) => ({
      electrode: e.electrode,
      rangeVolts: e.suggestedRangeVolts,
      trialRangeVolts: e.trialRangeVolts,
      suggestedRangeVolts: e.suggestedRangeVolts,
      saturated: e.saturated
    }))
    const kept = previous.filter((e) => !swept.some((s) => s.electrode === e.electrode))
    const calibration = await services.device.saveCalibration({
      profileId: sweep.profileId,
      notes: options.notes,
      electrodes: [...kept, ...swept].sort((a, b) => a.electrode - b.electrode),
      measurementId: sweep.measurementId
    })
    const result = {
      calibrationId: calibration.id,
      profileId: calibration.profileId,
      version: calibration.version,
      electrodes: sweep.electrodes.map((e) => ({
        electrode: e.electrode,
        trialRange: e.trialRangeVolts,
        suggestedRange: e.suggestedRangeVolts,
        saturated: e.saturated
      }))
    }
    if (options.json) {
      printJson(result)
      return
    }
    process.stdout.write(
      `calibration ${calibration.id} (version ${calibration.version} of device profile ${calibration.profileId}) saved and active\n`
    )
    for (const e of result.electrodes) {
      const [lo, hi] = e.suggestedRange
      process.stdout.write(
        `  electrode ${e.electrode}: [${lo.toFixed(3)}, ${hi.toFixed(3)}] V${e.saturated ? '  (narrowed: the output saturated)' : ''}\n`
      )
    }
  } finally {
    await services.close()
  }
}
