import { describe, expect, it } from 'vitest'
import {
  escapeXml,
  formatTick,
  linearTicks,
  MAX_SVG_POINTS_PER_SERIES,
  renderSvgLineChart,
  safeColor,
  type SvgChartSpec
} from './svg-line-chart'

const base: SvgChartSpec = { xLabel: 'generation', yLabel: 'fitness', width: 600, height: 300, series: [] }

/** Every opened tag is closed (or self-closed), in order: XML-ish well-formedness. */
function balanced(svg: string): boolean {
  const stack: string[] = []
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match
    if (selfClosing) continue
    if (closing) {
      if (stack.pop() !== name) return false
    } else stack.push(name)
  }
  return stack.length === 0
}

describe('renderSvgLineChart', () => {
  it('draws a line per series with axes, ticks and a legend', () => {
    const svg = renderSvgLineChart({
      ...base,
      title: 'Fitness',
      series: [
        { label: 'fitness', color: '#1f77b4', x: [1, 2, 3, 4], y: [0.1, 0.5, 0.4, 0.9] },
        { label: 'correlation', color: '#d62728', x: [1, 2, 3, 4], y: [0.2, 0.3, 0.6, 0.8], dashed: true }
      ]
    })
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.endsWith('</svg>')).toBe(true)
    expect(balanced(svg)).toBe(true)
    expect(svg.match(/<path /g)).toHaveLength(2)
    expect(svg).toContain('data-points="4"')
    expect(svg).toContain('stroke-dasharray')
    expect(svg).toContain('>fitness<')
    expect(svg).toContain('>correlation<')
    expect(svg).toContain('>Fitness<')
  })

  it('escapes every text and replaces unsafe colours', () => {
    const svg = renderSvgLineChart({
      ...base,
      title: '<script>&"x"',
      xLabel: 'a<b',
      yLabel: 'c&d',
      series: [{ label: '"><img src=x>', color: 'red" onload="alert(1)', x: [1, 2], y: [1, 2] }]
    })
    expect(svg).not.toContain('<script')
    expect(svg).not.toContain('<img')
    expect(svg).not.toContain('onload')
    expect(svg).toContain('&lt;script&gt;&amp;&quot;x&quot;')
    expect(svg).toContain('a&lt;b')
    expect(svg).toContain('c&amp;d')
    expect(balanced(svg)).toBe(true)
    expect(escapeXml(`<&"'>`)).toBe('&lt;&amp;&quot;&#39;&gt;')
    expect(safeColor('url(http://x)', 1)).toBe('#d62728')
    expect(safeColor('rgb(1, 2, 3)', 0)).toBe('rgb(1, 2, 3)')
  })

  it('treats null, NaN and Infinity as gaps without throwing', () => {
    const svg = renderSvgLineChart({
      ...base,
      series: [{ label: 'loss', x: [1, 2, 3, 4, 5, 6], y: [1, null, Number.NaN, 3, Number.POSITIVE_INFINITY, 4] }]
    })
    // Three runs of points: [1], [3], [4] -> three moves.
    const path = /<path d="([^"]+)"/.exec(svg)![1]
    expect(path.match(/M/g)).toHaveLength(3)
    expect(svg).not.toMatch(/NaN|Infinity/)
  })

  it('draws an empty chart with "no data" for no series or only gaps', () => {
    for (const series of [[], [{ label: 'x', x: [1], y: [null] }]]) {
      const svg = renderSvgLineChart({ ...base, series })
      expect(svg).toContain('no data')
      expect(svg).not.toMatch(/NaN|Infinity/)
      expect(balanced(svg)).toBe(true)
    }
  })

  it('log axes drop values <= 0 and tick in decades', () => {
    const svg = renderSvgLineChart({
      ...base,
      yLog: true,
      xLog: true,
      series: [{ label: 'loss', x: [1, 10, 100, 1000], y: [100, 0, 1, 0.01] }]
    })
    expect(svg).toContain('data-points="3"')
    expect(svg).toContain('>100<')
    expect(svg).toContain('>1<')
    expect(svg).not.toMatch(/NaN|Infinity/)
  })

  it('thins long series and bounds sizes', () => {
    const x = Array.from({ length: 50_000 }, (_, i) => i)
    const y = x.map((i) => Math.sin(i / 100))
    const svg = renderSvgLineChart({ ...base, width: 1e9, height: -5, series: [{ label: 's', x, y }] })
    const drawn = Number(/data-points="(\d+)"/.exec(svg)![1])
    expect(drawn).toBeLessThanOrEqual(MAX_SVG_POINTS_PER_SERIES + 1)
    expect(drawn).toBeGreaterThan(100)
    expect(svg).toContain('width="4000"')
    expect(svg).toContain('height="120"')
  })

  it('scatter draws points only', () => {
    const svg = renderSvgLineChart({ ...base, series: [{ label: 'p', x: [1, 2, 3], y: [1, 2, 3], line: false }] })
    expect(svg).not.toContain('<path')
    expect(svg.match(/<circle cx="[^"]+" cy="[^"]+" r="2.6"/g)).toHaveLength(3)
  })
})

describe('ticks', () => {
  it('linear ticks are round and cover the range', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(linearTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6])
    expect(linearTicks(Number.NaN, 1)).toEqual([])
  })
  it('formats ticks compactly', () => {
    expect(formatTick(0.30000000000000004)).toBe('0.3')
    expect(formatTick(250000)).toBe('2.5e5')
    expect(formatTick(0)).toBe('0')
  })
})
