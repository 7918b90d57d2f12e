/**
 * A stored run as the app shows it: the repository's record, and for a run on the device the
 * calibrated range of each electrode it ran under, so its control voltages are drawn against the
 * ranges that bounded them (not the model's).
 *
 * The CLI's `runs show` / `runs export` read the repository's record directly: their refusal
 * names the database file it looked in, and their JSON is the stored record as it is (adding the
 * ranges would change what `runs show --json` has always printed).
 */
import type { RunDetail } from '../../src-shared/ipc'

/** A calibration's range per electrode (index = electrode); null when unknown or incomplete. */
export type CalibrationRangesLookup = (calibrationId: number) => [number, number][] | null

export class RunReader {
  constructor(
    private readonly runs: { getRun(runId: number): RunDetail | null },
    private readonly calibrationRanges: CalibrationRangesLookup
  ) {}

  get(runId: number): RunDetail {
    const run = this.find(runId)
    if (!run) throw new Error(`runId: no run ${runId}`)
    return run
  }

  /** As {@link get}, null for an unknown run (for callers that name every unknown id at once). */
  find(runId: number): RunDetail | null {
    const run = this.runs.getRun(runId)
    if (run?.device) run.device.rangesVolts = this.calibrationRanges(run.device.calibrationId) ?? undefined
    return run
  }
}
