/**
 * What History's buttons do with runs leaving or entering the app (bundle export and import,
 * reports). Each returns the sentence the notice line shows; errors are thrown with main's own
 * words, for the caller to show.
 */
import { MAX_RUNS_PER_REPORT, RUN_BUNDLE_EXTENSION } from '../../../src-shared/ipc'
import { api } from './api.svelte'
import { downloadBase64, downloadText, fileSize, fileToBase64 } from './files'
import { count } from './format'
import { describeImport } from './history-notices'

export async function exportBundle(runIds: number[]): Promise<string> {
  const bundle = await api.exportRunBundle({ runIds })
  downloadBase64(bundle.fileName, bundle.contentBase64)
  return `Exported ${count(bundle.runCount)} run${bundle.runCount === 1 ? '' : 's'} to ${bundle.fileName} (${fileSize(bundle.bytes)}).`
}

export async function importBundle(file: File): Promise<string> {
  if (!file.name.toLowerCase().endsWith(RUN_BUNDLE_EXTENSION))
    throw new Error(`${file.name} is not a run bundle (expected a ${RUN_BUNDLE_EXTENSION} file)`)
  const result = await api.importRunBundle({ fileName: file.name, contentBase64: await fileToBase64(file) })
  return describeImport(result)
}

function checkReportSize(runIds: number[]): void {
  if (runIds.length < 1 || runIds.length > MAX_RUNS_PER_REPORT)
    throw new Error(`a report shows 1 to ${MAX_RUNS_PER_REPORT} runs; ${runIds.length} are selected`)
}

/** Downloads the HTML report of 1 to 6 runs. */
export async function reportHtml(runIds: number[]): Promise<string> {
  checkReportSize(runIds)
  const report = await api.runReport({ runIds })
  downloadText(report.fileName, report.html, 'text/html')
  return `Report saved as ${report.fileName}: open it in any browser (print it from there for paper or PDF).`
}

/** Downloads the same report as PDF (the app window prints it; browser mode has no PDF). */
export async function reportPdf(runIds: number[]): Promise<string> {
  checkReportSize(runIds)
  const report = await api.runReportPdf({ runIds })
  downloadBase64(report.fileName, report.contentBase64, 'application/pdf')
  return `Report saved as ${report.fileName}.`
}
