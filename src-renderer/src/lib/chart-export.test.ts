import { describe, expect, it } from 'vitest'
import { renderSvgLineChart } from '../../../src-shared/charts/svg-line-chart'
import { chartFileName, uplotToSvgSpec } from './chart-export'

describe('chartFileName', () => {
  it('keeps letters, digits, - and _ from the label', () => {
    expect(chartFileName('Fitness per generation: run #3', 'svg')).toBe('Fitness-per-generation-run-3.svg')
    expect(chartFileName('../../etc/passwd', 'png')).toBe('etc-passwd.png')
    expect(chartFileName('<>:"/\\|?*', 'png')).toBe('chart.png')
    expect(chartFileName('x'.repeat(300), 'svg')).toBe(`${'x'.repeat(80)}.svg`)
  })
})

describe('uplotToSvgSpec', () => {
  const data = [
    [1, 2, 3],
    [0.5, null, 0.9],
    [0.1, 0.2, 0.3],
    [1, 1, 1]
  ] as unknown as import('uplot').AlignedData

  it("takes each visible series' label, stroke colour and dash, the axis labels and log scales", () => {
    const spec = uplotToSvgSpec({
      label: 'Loss per epoch',
      data,
      series: [
        { label: 'epoch' },
        { label: 'train loss', stroke: '#1f77b4', scale: 'loss' },
        { label: 'validation loss', stroke: () => 'red', dash: [6, 4], scale: 'loss' },
        { label: 'hidden', stroke: '#000', show: false, scale: 'loss' }
      ],
      axes: [{ label: 'epoch' }, { label: 'loss' }],
      scales: { x: { time: false }, loss: { distr: 3 } }
    })
    expect(spec.title).toBe('Loss per epoch')
    expect(spec.xLabel).toBe('epoch')
    expect(spec.yLabel).toBe('loss')
    expect(spec.yLog).toBe(true)
    expect(spec.xLog).toBe(false)
    expect(spec.series).toHaveLength(2)
    expect(spec.series[0]).toMatchObject({ label: 'train loss', color: '#1f77b4', x: [1, 2, 3], y: [0.5, null, 0.9] })
    expect(spec.series[0].dashed).toBe(false)
    expect(spec.series[1]).toMatchObject({ label: 'validation loss', color: undefined, dashed: true, line: true })
    const svg = renderSvgLineChart(spec)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.match(/<path /g)).toHaveLength(2)
  })

  it('draws a points-only series (paths: () => null) as a scatter', () => {
    const spec = uplotToSvgSpec({
      label: 'IV',
      data: [
        [1, 2],
        [3, 4]
      ],
      series: [{}, { label: 'output', stroke: '#123456', paths: () => null, points: { show: true } }]
    })
    expect(spec.series[0]).toMatchObject({ points: true, line: false })
    expect(spec.xLabel).toBe('x')
  })
})
