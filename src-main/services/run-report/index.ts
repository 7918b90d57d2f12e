/**
 * `runs:report` and `dnpu runs report`: a self-contained HTML report of one run, or of 2 to 6
 * runs compared (then a short section per run). Self-contained means: one inline style sheet,
 * charts as inline SVG, no script, nothing fetched (no URL but `#anchors`), and a Content
 * Security Policy that would block a load if one slipped in; so it opens the same offline, in a
 * mail or years later, and prints (one run per page after the comparison).
 *
 * Every user text (names, notes, tags, tasks) is escaped; sizes are bounded by the contract (at
 * most 6 runs) and by the chart renderer (series thinned).
 */
import { MAX_RUNS_PER_REPORT, type RunDetail, type RunReport, type RunReportPdf } from '../../../src-shared/ipc'
import { SVG_PALETTE } from '../../../src-shared/charts/svg-line-chart'
import { checkRunIds, compareRuns, historyOf } from '../run-compare'
import { historyCharts, outputsOverlayChart } from './charts'
import { escapeHtml, num, page, settingText, table, utc, type Cell } from './html'
import { runSection, runTitle, tagsHtml } from './run-section'
import type { RunReportSources } from './sources'

export type { RunReportSources } from './sources'

export interface RunReportOptions {
  /** When the report is written (its footer); now by default. */
  now?: Date
}

/** `dnpu-run-12.html`, `dnpu-runs-12-15-17.html`. */
export function reportFileName(runIds: readonly number[]): string {
  return runIds.length === 1 ? `dnpu-run-${runIds[0]}.html` : `dnpu-runs-${runIds.join('-')}.html`
}

/** Refuses no id, more than the contract's maximum, and an id given twice, naming them. */
export function checkReportRunIds(runIds: readonly number[]): void {
  if (runIds.length === 0) throw new Error('runIds: select at least one run')
  if (runIds.length === 1) return
  if (runIds.length > MAX_RUNS_PER_REPORT) {
    throw new Error(`runIds: a report takes 1 run, or 2 to ${MAX_RUNS_PER_REPORT} compared; got ${runIds.length}`)
  }
  checkRunIds(runIds)
}

export function buildRunReport(
  sources: RunReportSources,
  runIds: readonly number[],
  options: RunReportOptions = {}
): RunReport {
  checkReportRunIds(runIds)
  const found = runIds.map((runId) => sources.runReader.find(runId))
  const unknown = runIds.filter((_, index) => found[index] === null)
  if (unknown.length > 0) throw new Error(`runIds: no run ${unknown.join(', ')}`)
  const details = found as RunDetail[]
  const generated = (options.now ?? new Date()).toISOString()
  const footer = `<footer>Report written by DNPU Lab ${escapeHtml(sources.info.version)} on ${escapeHtml(utc(generated))}.</footer>`
  const fileName = reportFileName(runIds)
  if (details.length === 1) {
    const [detail] = details
    const title = `Run #${detail.id}: ${runTitle(detail)}`
    const body = [
      `<h1>${escapeHtml(title)}</h1>`,
      `<p class="subtitle">DNPU Lab run report</p>`,
      runSection(sources, detail, true, SVG_PALETTE[0]),
      footer
    ].join('\n')
    return { fileName, html: page(title, body) }
  }
  return { fileName, html: page(comparisonTitle(details), comparisonBody(sources, details) + footer) }
}

function comparisonTitle(details: RunDetail[]): string {
  return `Runs ${details.map((detail) => `#${detail.id}`).join(', ')} compared`
}

/** Headline figures every run has, one row each (as `runs compare` prints them). */
function headlineRows(details: RunDetail[]): Cell[][] {
  const row = (name: string, cell: (detail: RunDetail) => Cell): Cell[] => [name, ...details.map(cell)]
  return [
    row('name', (d) => d.name),
    row('algorithm', (d) => String(d.algorithm)),
    row('task', (d) => d.task),
    row('status', (d) => d.status),
    row('steps', (d) => `${d.steps} ${d.stepUnit}`),
    row('best fitness', (d) => num(d.bestFitness)),
    row('best correlation', (d) => num(d.bestCorrelation)),
    row('accuracy', (d) => (d.accuracyPercent === null ? null : `${num(d.accuracyPercent, 1)} %`)),
    row('seed', (d) => String(d.seed)),
    row('started', (d) => utc(d.startedAt)),
    row('tags', (d) => tagsHtml(d.tags))
  ]
}

function comparisonBody(sources: RunReportSources, details: RunDetail[]): string {
  const comparison = compareRuns(
    sources,
    details.map((detail) => detail.id)
  )
  const colorOf = (index: number): string => SVG_PALETTE[index % SVG_PALETTE.length]
  const header: Cell[] = [
    { html: '' },
    ...details.map((detail, index) => ({
      html: `<span class="swatch" style="background:${colorOf(index)}"></span><a href="#run-${detail.id}">run #${detail.id}</a>`
    }))
  ]
  const charts = historyCharts(
    details.map((detail, index) => ({
      runId: detail.id,
      name: `#${detail.id}${detail.name ? ` ${detail.name}` : ''}`,
      color: colorOf(index),
      history: comparison.history[detail.id] ?? historyOf(detail)
    }))
  )
  const differences =
    comparison.differences.length === 0
      ? '<p>No setting differs.</p>'
      : table(
          header,
          comparison.differences.map(({ key, values }) => [
            { html: `<code>${escapeHtml(key)}</code>` },
            ...values.map((value) => settingText(value))
          ]),
          'class="differences"'
        )
  const withOutputs = details
    .map((detail, index) => ({ name: `#${detail.id}`, color: colorOf(index), outputs: comparison.outputs[detail.id] }))
    .filter(
      (run): run is { name: string; color: string; outputs: NonNullable<typeof run.outputs> } => run.outputs !== null
    )
  const electrodes = [
    ...new Set(details.flatMap((detail) => (comparison.controls[detail.id] ?? []).map((control) => control.electrode)))
  ].sort((a, b) => a - b)
  const controls =
    electrodes.length === 0
      ? ''
      : `<h2>Control voltages (V)</h2>${table(
          [{ html: 'electrode' }, ...header.slice(1)],
          electrodes.map((electrode) => [
            electrode,
            ...details.map((detail) => {
              const control = comparison.controls[detail.id]?.find((candidate) => candidate.electrode === electrode)
              if (!control) return null
              const range = control.rangeVolts
                ? ` (${num(control.rangeVolts[0], 2)} to ${num(control.rangeVolts[1], 2)})`
                : ''
              return `${num(control.volts, 4)}${range}`
            })
          ])
        )}`
  return [
    `<h1>${escapeHtml(comparisonTitle(details))}</h1>`,
    `<p class="subtitle">DNPU Lab comparison report: ${details.length} runs</p>`,
    `<nav><ul>${details
      .map((detail) => `<li><a href="#run-${detail.id}">Run #${detail.id}: ${escapeHtml(runTitle(detail))}</a></li>`)
      .join('')}</ul></nav>`,
    `<section class="comparison">`,
    `<h2>Summary</h2>${table(header, headlineRows(details))}`,
    charts.length > 0 ? `<h2>History</h2>${charts.join('')}` : '',
    `<h2>Settings that differ</h2>${differences}`,
    withOutputs.length > 0 ? `<h2>Best outputs</h2>${outputsOverlayChart(withOutputs)}` : '',
    controls,
    `</section>`,
    ...details.map((detail, index) => runSection(sources, detail, false, colorOf(index)))
  ].join('\n')
}

/** Said by `runs:report-pdf` where there is no app window to print with (browser mode). */
export const PDF_NEEDS_APP_WINDOW =
  'PDF is printed by the desktop app only; here, print the HTML report from the browser: File > Print'

/** `runs:report-pdf`: the same report, printed by the app window's capability (absent in browser mode). */
export async function reportPdf(
  sources: RunReportSources & { printHtmlToPdf?: (html: string) => Promise<Buffer> },
  runIds: readonly number[]
): Promise<RunReportPdf> {
  if (!sources.printHtmlToPdf) throw new Error(PDF_NEEDS_APP_WINDOW)
  const report = buildRunReport(sources, runIds)
  const pdf = await sources.printHtmlToPdf(report.html)
  return { fileName: report.fileName.replace(/\.html$/, '.pdf'), contentBase64: pdf.toString('base64') }
}
