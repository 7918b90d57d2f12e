import { describe, expect, it } from 'vitest'
import { VectorOptimizer } from './optimizers.js'

describe('VectorOptimizer', () => {
  it("takes torch's Adam steps (bias-corrected moments)", () => {
    const adam = new VectorOptimizer({ name: 'adam', learningRate: 0.1 }, 2)
    const p = [1, -2]
    adam.step(p, [0.5, -4])
    // First step: m_hat / sqrt(v_hat) = g / |g| (up to eps), so each parameter moves by lr.
    expect(p[0]).toBeCloseTo(0.9, 7)
    expect(p[1]).toBeCloseTo(-1.9, 7)
    const afterFirst = p[0]!
    adam.step(p, [1, 0])
    // Second step by hand for parameter 0: m = 0.9*0.05 + 0.1*1, v = 0.999*0.00025 + 0.001*1.
    const m = 0.9 * 0.05 + 0.1
    const v = 0.999 * 0.00025 + 0.001
    const expected = afterFirst - ((0.1 / (1 - 0.9 ** 2)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8)
    expect(p[0]).toBeCloseTo(expected, 12)
    expect(adam.snapshot()).toMatchObject({ name: 'adam', iterations: 2 })
  })

  it('takes SGD steps with and without momentum', () => {
    const plain = new VectorOptimizer({ name: 'sgd', learningRate: 0.5 }, 1)
    const p = [1]
    plain.step(p, [2])
    expect(p).toEqual([0])
    const momentum = new VectorOptimizer({ name: 'sgd', learningRate: 0.5, momentum: 0.9 }, 1)
    const q = [1]
    momentum.step(q, [2]) // buf = 2
    momentum.step(q, [2]) // buf = 0.9 * 2 + 2 = 3.8
    expect(q[0]).toBeCloseTo(1 - 0.5 * 2 - 0.5 * 3.8, 12)
  })

  it('continues exactly from a snapshot and refuses one that does not fit', () => {
    const a = new VectorOptimizer({ name: 'adam', learningRate: 0.01 }, 3)
    const p = [0.1, 0.2, 0.3]
    a.step(p, [1, 2, 3])
    const b = new VectorOptimizer({ name: 'adam', learningRate: 0.01 }, 3, JSON.parse(JSON.stringify(a.snapshot())))
    const q = [...p]
    a.step(p, [-1, 0.5, 2])
    b.step(q, [-1, 0.5, 2])
    expect(q).toEqual(p)
    expect(() => new VectorOptimizer({ name: 'sgd', learningRate: 0.01 }, 3, a.snapshot())).toThrow(
      /does not fit a sgd optimizer over 3/
    )
    expect(() => new VectorOptimizer({ name: 'adam', learningRate: 0.01 }, 4, a.snapshot())).toThrow(/does not fit/)
    expect(() => a.step(p, [1])).toThrow(/gradient has 1 values for 3 parameters/)
  })
})
