// The library API as callers see it: the names exported by core/index.ts, with the
// multi-column semantics (rows x columns in, one value per column out).
import { describe, expect, it } from 'vitest'
import * as core from '../index.js'

const ISSUE_NAMES = [
  'pearson',
  'corrFit',
  'corrsigFit',
  'accuracyFit',
  'fisherFit',
  'corrsig',
  'fisher',
  'sigmoidNnDistance',
  'clampedIntervals',
  'perceptronAccuracy',
  'pointsToWaveform',
  'pointsToPlateaus',
  'plateausToWaveform',
  'plateausToPoints',
  'waveformToPlateaus',
  'generateMask',
  'linearTransformConstants',
  'GeneticOptimizer',
  'trainGA',
  'trainGD',
  'Dnpu',
  'DnpuLayer',
  'DnpuModel',
  'SurrogateModel',
  'parseGateTask',
  'generateRingData',
  'splitDataset',
  'vcDimensionInputs',
  'vcDimensionLabelings',
  'runCapacitySweep'
] as const

describe('core/index.ts library API', () => {
  it('exports every name the issue lists, as functions or classes', () => {
    const exported = core as unknown as Record<string, unknown>
    const missing = ISSUE_NAMES.filter((name) => typeof exported[name] !== 'function')
    expect(missing).toEqual([])
  })

  it('pearson, corrFit and corrsigFit are the multi-column functions', () => {
    const out = [
      [1, 5],
      [3, 0],
      [2, 0],
      [0, 5]
    ]
    const target = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0]
    ]
    const r = core.pearson(out, target)
    expect(r).toHaveLength(2)
    expect(r[0]).toBeCloseTo(2 / Math.sqrt(5), 12)
    expect(r[1]).toBeCloseTo(-1, 12)
    expect(core.corrFit(out, target)).toEqual(r)
    expect(core.corrFit(out, target, { defaultValue: true })).toEqual([-1, -1])
    expect(core.corrsigFit(out, target)).toHaveLength(2)
    // A flat array is one column: one value back.
    expect(core.pearson([1, 3, 2, 0], [0, 1, 1, 0])).toEqual([r[0]])
  })

  it('GeneticOptimizer has linearRank(), mutationRate(generation) and step(fitness)', () => {
    const optimizer = new core.GeneticOptimizer({
      geneRanges: [
        [-1, 1],
        [0, 2]
      ],
      partition: [1, 3],
      epochs: 5,
      alpha: 0.6,
      beta: 0.4,
      seed: 1
    })
    const rank = optimizer.linearRank()
    expect(rank).toHaveLength(4)
    expect(rank[0]).toBeCloseTo(1.5 / 4, 15)
    expect(rank[3]).toBeCloseTo(0.5 / 4, 15)
    expect(optimizer.mutationRate(0)).toBeCloseTo(0.625 / 2, 15)
    expect(optimizer.mutationRate(4)).toBeCloseTo(0.625 / 7, 15)
    expect(optimizer.step([0.1, 0.4, 0.3, 0.2])).toHaveLength(4)
  })

  it('linearTransformConstants returns { scale, offset }', () => {
    expect(core.linearTransformConstants(-0.95, 0.55, -1, 1)).toEqual({
      scale: expect.closeTo(0.75, 12) as number,
      offset: expect.closeTo(-0.2, 12) as number
    })
  })
})
