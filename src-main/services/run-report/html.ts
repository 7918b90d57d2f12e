/**
 * The report's HTML pieces: escaping, tables, the page with its one inline style sheet. Every
 * value that reaches the page goes through {@link escapeHtml} (names, notes, tags and tasks are
 * typed by users; a bundle imported from elsewhere may hold anything).
 */
import { escapeXml } from '../../../src-shared/charts/svg-line-chart'

/** Text for HTML content and attribute values (the same entities as XML). */
export const escapeHtml = escapeXml

/** A cell: text (escaped here) or `{html}` already built from escaped parts. */
export type Cell = string | number | null | undefined | { html: string }

export function cellHtml(cell: Cell): string {
  if (cell === null || cell === undefined || cell === '') return '<span class="muted">-</span>'
  if (typeof cell === 'object') return cell.html
  return escapeHtml(String(cell))
}

/** A table; `attributes` are trusted (written by this module's callers, never user text). */
export function table(headers: Cell[], rows: Cell[][], attributes = ''): string {
  const head =
    headers.length > 0 ? `<thead><tr>${headers.map((h) => `<th>${cellHtml(h)}</th>`).join('')}</tr></thead>` : ''
  const body = rows.map((row) => `<tr>${row.map((c) => `<td>${cellHtml(c)}</td>`).join('')}</tr>`).join('')
  return `<table${attributes ? ` ${attributes}` : ''}>${head}<tbody>${body}</tbody></table>`
}

/** A two-column table of name / value pairs (rows with an undefined value are left out). */
export function facts(rows: [string, Cell][]): string {
  return table(
    [],
    rows
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [{ html: `<strong>${escapeHtml(name)}</strong>` }, value]),
    'class="facts"'
  )
}

/** A number for people: up to `digits` decimals, '-' for null/NaN. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-'
  return String(Number(value.toFixed(digits)))
}

/** `2026-12-06 04:15:08 UTC` from an ISO timestamp. */
export function utc(timestamp: string | null | undefined): string {
  if (!timestamp) return '-'
  return `${timestamp.replace('T', ' ').slice(0, 19)} UTC`
}

/** A setting's value in a cell: strings as they are, the rest as JSON. */
export function settingText(value: unknown): string {
  if (value === null || value === undefined) return '-'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:Helvetica,Arial,sans-serif;color:#222;margin:24px auto;max-width:1000px;padding:0 16px;font-size:14px;line-height:1.4}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.muted{color:#777}
.subtitle{color:#555;margin:0 0 16px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
table.facts td:first-child{white-space:nowrap;background:#fafafa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.notes{white-space:pre-wrap;background:#fafafa;border:1px solid #ddd;padding:8px;margin:6px 0 12px}
.tag{display:inline-block;background:#eef;border:1px solid #ccd;border-radius:3px;padding:0 5px;margin:0 4px 2px 0;font-size:12px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:middle;margin-right:4px}
figure{margin:8px 0 16px;break-inside:avoid;page-break-inside:avoid}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:12px;color:#555}
.error{color:#a00}
nav ul{margin:4px 0 12px;padding-left:20px}
footer{margin-top:32px;color:#777;font-size:12px;border-top:1px solid #ddd;padding-top:6px}
section.run{break-before:auto}
@media print{
  body{margin:0;max-width:none;font-size:11px}
  h2{break-after:avoid;page-break-after:avoid}
  section.run + section.run, section.per-run{break-before:page;page-break-before:always}
  table,figure{break-inside:avoid;page-break-inside:avoid}
  nav{display:none}
  a{color:inherit;text-decoration:none}
}
@page{size:A4;margin:14mm}
`

/** The whole document: one inline style sheet, no script, nothing loaded from anywhere. */
export function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Blocks any load the report could still make (it needs none): a last line of defence.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    ''
  ].join('\n')
}
