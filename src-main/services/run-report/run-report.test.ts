/**
 * Reports from real runs (the demo surrogate, a real SQLite file in a temp folder): what a
 * one-run report holds, what a comparison overlays, and that nothing in it reaches outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_CAPACITY_CONFIG,
  DEFAULT_GA_CONFIG,
  DEFAULT_GD_CONFIG,
  type TrainingConfig
} from '../../../src-shared/ipc'
import type { AppServices } from '../app-services'
import { createRequestHandler } from '../request-handler'
import { servicesOnTempFolder } from '../test-support'
import { buildRunReport, PDF_NEEDS_APP_WINDOW, reportFileName, reportPdf } from '.'

const xor = { ...DEFAULT_GA_CONFIG, modelId: 'demo', generations: 5, stopThreshold: 1.5 }
const ring = { ...DEFAULT_GD_CONFIG, modelId: 'demo', ring: { ...DEFAULT_GD_CONFIG.ring, sampleCount: 200 }, epochs: 3 }
const capacity = { ...DEFAULT_CAPACITY_CONFIG, modelId: 'demo', fromN: 4, toN: 4, attempts: 1, generations: 3 }

let services: AppServices
let cleanup: () => Promise<void>
const ids = { ga1: 0, ga2: 0, ga3: 0, gd: 0, capacity: 0 }
const HOSTILE = `<script>alert("x")</script> & <img src="http://evil.example/x.png"> "quoted"`

async function train(config: TrainingConfig): Promise<number> {
  const { runId } = services.training.start(config)
  await services.training.whenIdle()
  return runId
}

beforeAll(async () => {
  const env = await servicesOnTempFolder()
  services = env.services
  cleanup = env.cleanup
  ids.ga1 = await train({ ...xor, seed: 1 })
  ids.ga2 = await train({ ...xor, seed: 2, partition: [5, 20] })
  ids.ga3 = await train({ ...xor, seed: 3 })
  ids.gd = await train({ ...ring, seed: 3 })
  ids.capacity = await train({ ...capacity, seed: 4 })
  services.history.annotate(ids.ga1, { name: `best <xor> & co`, notes: HOSTILE, addTags: ['lab-2', 'x:y'] })
}, 120_000)

afterAll(async () => {
  await cleanup?.()
})

/** Nothing loads from anywhere: no URL scheme, no protocol-relative URL, no script, src only data:. */
function expectSelfContained(html: string): void {
  // The one allowed http URL is the SVG namespace (an identifier, never fetched).
  const withoutNamespace = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')
  expect(withoutNamespace).not.toMatch(/https?:/i)
  expect(withoutNamespace).not.toMatch(/(["'(=\s])\/\/[^\s]/)
  expect(html).not.toMatch(/<script/i)
  expect(html).not.toMatch(/<(iframe|object|embed|link|img)\b/i)
  expect(html).not.toMatch(/\son[a-z]+\s*=/i)
  for (const match of html.matchAll(/\b(src|href)\s*=\s*"([^"]*)"/gi)) {
    expect(match[2], match[0]).toMatch(/^(#|data:)/)
  }
  expect(html).not.toMatch(/url\(/i)
  expect(html).not.toMatch(/@import/i)
}

function svgsOf(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((match) => match[0])
}

describe('one-run report', () => {
  it('holds the settings, the fitness chart with one point per generation, and the notes escaped', () => {
    const report = buildRunReport(services, [ids.ga1], { now: new Date('2026-12-06T04:00:00Z') })
    expect(report.fileName).toBe(`dnpu-run-${ids.ga1}.html`)
    const { html } = report
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    const fitness = html.match(/<figure data-chart="history-fitness">([\s\S]*?)<\/figure>/)
    expect(fitness).not.toBeNull()
    expect(fitness![1]).toContain('<svg')
    expect(fitness![1]).toContain('data-points="5"')
    expect(html).toContain('data-chart="history-correlation"')
    // Settings: every config key, flattened.
    for (const key of ['algorithm', 'task', 'generations', 'partition', 'seed', 'modelId']) {
      expect(html).toContain(`<code>${key}</code>`)
    }
    expect(html).toContain('[4,22]')
    // User text escaped, never markup.
    expect(html).not.toContain('<script>alert')
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=&quot;http://evil.example'
    )
    expect(html).toContain('best &lt;xor&gt; &amp; co')
    expect(html).toContain('<span class="tag">lab-2</span>')
    expect(html).toContain('Report written by DNPU Lab')
    expect(html).toContain('2026-12-06 04:00:00 UTC')
    expect(html).toContain('Control voltages')
    expect(html).toContain('Best outputs vs targets')
    expect(html).toContain('@media print')
  })

  it('is self-contained (the hostile notes included, once escaped)', () => {
    const { html } = buildRunReport(services, [ids.ga1])
    // The notes' URL is text, escaped: drop it before looking for URLs.
    expectSelfContained(html.replaceAll('http://evil.example/x.png', ''))
    for (const runId of [ids.gd, ids.capacity]) expectSelfContained(buildRunReport(services, [runId]).html)
  })

  it("draws a GD run's losses on one chart and a capacity run per N", () => {
    const gd = buildRunReport(services, [ids.gd]).html
    const loss = gd.match(/<figure data-chart="history-trainLoss-valLoss">([\s\S]*?)<\/figure>/)
    expect(loss).not.toBeNull()
    expect(loss![1].match(/<path /g)!.length).toBeGreaterThanOrEqual(1)
    expect(loss![1]).toContain('data-points="3"')
    const cap = buildRunReport(services, [ids.capacity]).html
    expect(cap).toContain('data-chart="history-capacity"')
  })
})

describe('comparison report', () => {
  it('overlays 3 runs: one series per run, the differences, then a section per run', () => {
    const report = buildRunReport(services, [ids.ga1, ids.ga2, ids.ga3])
    expect(report.fileName).toBe(`dnpu-runs-${ids.ga1}-${ids.ga2}-${ids.ga3}.html`)
    const { html } = report
    const fitness = html.match(/<figure data-chart="history-fitness">([\s\S]*?)<\/figure>/)![1]
    expect(fitness.match(/<path /g)).toHaveLength(3)
    expect(html).toContain('class="differences"')
    expect(html).toContain('<code>partition</code>')
    expect(html).toContain('data-chart="outputs-overlay"')
    for (const runId of [ids.ga1, ids.ga2, ids.ga3]) {
      expect(html).toContain(`<section class="run per-run" id="run-${runId}"`)
      expect(html).toContain(`href="#run-${runId}"`)
    }
    expectSelfContained(html.replaceAll('http://evil.example/x.png', ''))
    expect(svgsOf(html).length).toBeGreaterThanOrEqual(3)
  })

  it('mixes algorithms (GA and GD) without failing', () => {
    const { html } = buildRunReport(services, [ids.ga2, ids.gd])
    expect(html).toContain('data-chart="history-fitness"')
    expect(html).toContain('data-chart="history-trainLoss-valLoss"')
  })

  it('refuses unknown, repeated and too many ids, naming them', () => {
    expect(() => buildRunReport(services, [999_999])).toThrow('runIds: no run 999999')
    expect(() => buildRunReport(services, [ids.ga1, ids.ga1])).toThrow(/given more than once/)
    expect(() => buildRunReport(services, [1, 2, 3, 4, 5, 6, 7])).toThrow(/2 to 6/)
    expect(() => buildRunReport(services, [])).toThrow(/at least one/)
    expect(reportFileName([3])).toBe('dnpu-run-3.html')
  })
})

describe('channels', () => {
  it('runs:report answers the report; runs:report-pdf is refused without the app window', async () => {
    const handle = createRequestHandler(services)
    const answer = await handle('runs:report', { runIds: [ids.ga2] })
    expect(answer.ok).toBe(true)
    expect((answer as { value: { html: string } }).value.html).toContain(`Run #${ids.ga2}`)
    const pdf = await handle('runs:report-pdf', { runIds: [ids.ga2] })
    expect(pdf).toEqual({ ok: false, error: `runs:report-pdf: ${PDF_NEEDS_APP_WINDOW}` })
    expect(PDF_NEEDS_APP_WINDOW).toContain('print the HTML report from the browser: File > Print')
  })

  it('runs:report-pdf prints with the capability when the shell gives one', async () => {
    const printed: string[] = []
    const pdf = await reportPdf(
      {
        ...services,
        printHtmlToPdf: async (html) => {
          printed.push(html)
          return Buffer.from('%PDF-1.7')
        }
      },
      [ids.ga2]
    )
    expect(pdf.fileName).toBe(`dnpu-run-${ids.ga2}.pdf`)
    expect(Buffer.from(pdf.contentBase64, 'base64').toString()).toBe('%PDF-1.7')
    expect(printed[0]).toContain('<!DOCTYPE html>')
  })
})
