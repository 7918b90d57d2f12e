/**
 * One run in the report: who and what (name, tags, notes, model, seed, dates, version, backend,
 * device), its results, history charts, best outputs against targets, control voltages against
 * their ranges, validations on the device, and every setting.
 */
import { algorithmOf, findAlgorithm } from '../../../src-shared/domain'
import type { RunDetail } from '../../../src-shared/ipc'
import { configSettingsOf, controlsOf, historyOf, outputsOf } from '../run-compare'
import { describeValidation } from '../validation-text'
import { historyCharts, outputsChart, rangeBar, type ChartedRun } from './charts'
import { escapeHtml, facts, num, settingText, table, utc, type Cell } from './html'
import type { RunReportSources } from './sources'

/** Outputs listed point by point up to this many (beyond, the chart alone). */
const MAX_OUTPUT_ROWS = 32
/** Validations listed per run, newest last (older ones are counted). */
const MAX_VALIDATIONS = 20

/** `GA on xor` or the run's own name. */
export function runTitle(run: Pick<RunDetail, 'id' | 'name' | 'algorithm' | 'task'>): string {
  const descriptor = findAlgorithm(String(run.algorithm))
  const what = `${descriptor?.shortLabel ?? String(run.algorithm)} on ${run.task}`
  return run.name ? `${run.name} (${what})` : what
}

export function tagsHtml(tags: readonly string[]): Cell {
  if (tags.length === 0) return null
  return { html: tags.map((tag) => `<span class="tag">${escapeHtml(tag)}</span>`).join('') }
}

function deviceText(sources: RunReportSources, detail: RunDetail): string | undefined {
  if (!detail.device) return 'surrogate model (simulation)'
  const { profileId, calibrationId } = detail.device
  const profile = sources.device?.profiles().find((candidate) => candidate.id === profileId)
  const calibration = sources.device?.calibrations(profileId).find((candidate) => candidate.id === calibrationId)
  const profileText = profile ? `profile "${profile.name}" (#${profileId})` : `profile #${profileId}`
  const calibrationText = calibration
    ? `calibration v${calibration.version} (#${calibrationId}, ${utc(calibration.createdAt)})`
    : `calibration #${calibrationId}`
  return `instrument: ${profileText}, ${calibrationText}`
}

function metaFacts(sources: RunReportSources, detail: RunDetail): string {
  const descriptor = findAlgorithm(String(detail.algorithm))
  const model = sources.models.get(detail.modelId)
  return facts([
    ['run', `#${detail.id}`],
    ['name', detail.name],
    ['algorithm', descriptor?.label ?? String(detail.algorithm)],
    ['task', detail.task],
    ['status', detail.status],
    ['starred', detail.starred ? 'yes' : 'no'],
    ['tags', tagsHtml(detail.tags)],
    ['model', model ? `${model.summary.name} (${detail.modelId})` : detail.modelId],
    ['model file SHA-256', sources.models.sourceSha256(detail.modelId) ?? undefined],
    ['ran on', deviceText(sources, detail)],
    ['seed', String(detail.seed)],
    ['started', utc(detail.startedAt)],
    ['ended', utc(detail.endedAt)],
    [detail.stepUnit || 'steps', String(detail.steps ?? detail.generations)],
    ['app version', detail.appVersion ?? '(not recorded)'],
    ['compute backend', detail.computeBackend]
  ])
}

function notesHtml(detail: RunDetail): string {
  if (!detail.notes) return ''
  const saved = detail.notesUpdatedAt
    ? ` <span class="muted">(saved ${escapeHtml(utc(detail.notesUpdatedAt))})</span>`
    : ''
  return `<h3>Notes${saved}</h3><div class="notes">${escapeHtml(detail.notes)}</div>`
}

function resultsHtml(detail: RunDetail): string {
  let lines: string[] = []
  try {
    lines = algorithmOf(detail.algorithm).summaryLines(detail)
  } catch {
    lines = []
  }
  const accuracy = detail.accuracy
  const rows: [string, Cell][] = [
    ['best fitness', detail.bestFitness === null ? undefined : num(detail.bestFitness)],
    ['best correlation', detail.bestCorrelation === null ? undefined : num(detail.bestCorrelation)],
    ['accuracy', detail.accuracyPercent === null ? undefined : `${num(detail.accuracyPercent, 1)} %`]
  ]
  if (accuracy) {
    rows.push(
      ['train accuracy', accuracy.trainPercent === null ? '-' : `${num(accuracy.trainPercent, 1)} %`],
      ['validation accuracy', accuracy.validationPercent === null ? '-' : `${num(accuracy.validationPercent, 1)} %`],
      ['test accuracy', accuracy.testPercent === null ? '-' : `${num(accuracy.testPercent, 1)} %`]
    )
  }
  const summary = lines.length > 0 ? `<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : ''
  const error = detail.error ? `<p class="error">Error: ${escapeHtml(detail.error)}</p>` : ''
  return `<h3>Results</h3>${facts(rows)}${summary}${error}`
}

function outputsHtml(detail: RunDetail): string {
  const outputs = outputsOf(detail)
  if (!outputs) return ''
  const rows =
    outputs.outputsNanoamps.length <= MAX_OUTPUT_ROWS
      ? table(
          ['input / point', 'target', 'output (nA)'],
          outputs.outputsNanoamps.map((output, index) => [
            index + 1,
            settingText(outputs.targets[index] ?? null),
            num(output, 3)
          ])
        )
      : `<p class="muted">${outputs.outputsNanoamps.length} points: the chart shows them all.</p>`
  return `<h3>Best outputs vs targets</h3>${outputsChart(outputs, `Run #${detail.id}: best outputs`)}${rows}`
}

function controlsHtml(sources: RunReportSources, detail: RunDetail): string {
  const controls = controlsOf(sources, detail)
  if (controls.length === 0) return ''
  return `<h3>Control voltages</h3>${table(
    ['electrode', 'voltage (V)', 'range (V)', { html: '' }],
    controls.map((control) => [
      control.electrode,
      num(control.volts, 4),
      control.rangeVolts ? `${num(control.rangeVolts[0], 3)} to ${num(control.rangeVolts[1], 3)}` : null,
      { html: rangeBar(control.volts, control.rangeVolts) }
    ])
  )}`
}

function validationsHtml(detail: RunDetail): string {
  const validations = Array.isArray(detail.validations) ? detail.validations : []
  if (validations.length === 0) return ''
  const shown = validations.slice(-MAX_VALIDATIONS)
  const older = validations.length - shown.length
  const items = shown.map((validation) => {
    let lines: string[]
    try {
      lines = describeValidation(validation)
    } catch (error) {
      lines = [`(cannot describe: ${(error as Error).message})`]
    }
    return `<li>${lines.map(escapeHtml).join('<br>')}</li>`
  })
  const olderText = older > 0 ? `<p class="muted">${older} older validation(s) not shown.</p>` : ''
  return `<h3>Validations on the device</h3>${olderText}<ul>${items.join('')}</ul>`
}

function settingsHtml(detail: RunDetail): string {
  const settings = [...configSettingsOf(detail).entries()]
  return `<h3>Settings</h3>${table(
    ['setting', 'value'],
    settings.map(([key, value]) => [{ html: `<code>${escapeHtml(key)}</code>` }, settingText(value)])
  )}`
}

/** The run's history charts (one run, its own colours). */
export function runHistoryCharts(detail: RunDetail, color: string): string {
  const run: ChartedRun = { runId: detail.id, name: `#${detail.id}`, color, history: historyOf(detail) }
  const charts = historyCharts([run])
  return charts.length > 0 ? `<h3>History</h3>${charts.join('')}` : ''
}

/**
 * The run's section. `full`: everything (a one-run report); otherwise the short form that follows
 * a comparison (no settings, which the differences table covers, no charts, which it overlays).
 */
export function runSection(sources: RunReportSources, detail: RunDetail, full: boolean, color: string): string {
  const swatch = full ? '' : `<span class="swatch" style="background:${escapeHtml(color)}"></span>`
  const heading = full ? '' : `<h2>${swatch}Run #${detail.id}: ${escapeHtml(runTitle(detail))}</h2>`
  const parts = [
    heading,
    metaFacts(sources, detail),
    notesHtml(detail),
    resultsHtml(detail),
    full ? runHistoryCharts(detail, color) : '',
    outputsHtml(detail),
    controlsHtml(sources, detail),
    validationsHtml(detail),
    full ? settingsHtml(detail) : ''
  ]
  return `<section class="${full ? 'run' : 'run per-run'}" id="run-${detail.id}" data-run-id="${detail.id}">${parts.join('')}</section>`
}
