// Speed of the surrogate forward and forward + input gradient in this thread, on whatever engine
// this process uses: the kernel, or tfjs with DNPU_MLP_KERNEL=off. Prints medians and asserts
// nothing about time. Run on demand, alternating the two so other load on a shared machine hits
// both alike:
//   for m in off simd off simd; do DNPU_MLP_KERNEL=$m DNPU_KERNEL_SPEED=1 npx vitest run src-main/core/kernels/mlp-kernel.speed.test.ts; done
import { describe, expect, it } from 'vitest'
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js'
import { randomVoltageRows } from '../bench/benchmarks.js'
import { DifferentiableSurrogate } from '../gd/differentiable-surrogate.js'
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js'
import { mlpKernelVariant } from './mlp-kernel.js'

const demo = parseSurrogateJson(DEMO_SURROGATE_JSON)
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!

async function seconds(run: () => unknown): Promise<number> {
  const started = performance.now()
  await run()
  return (performance.now() - started) / 1000
}

describe.runIf(process.env['DNPU_KERNEL_SPEED'] === '1')('surrogate speed (1 thread, demo surrogate)', () => {
  it('forward 100000 x 7 and forward + input gradient 512 x 7', async () => {
    const model = new SurrogateModel(demo)
    const differentiable = await DifferentiableSurrogate.create(demo)
    const big = randomVoltageRows(demo, 100_000, 1)
    const batch = randomVoltageRows(demo, 512, 1)
    const ones = new Float32Array(512).fill(1)
    const forward: number[] = []
    const backward: number[] = []
    for (let rep = 0; rep < 14; rep += 1) {
      forward.push(await seconds(() => model.forwardNanoamps(big, 100_000)))
      for (let i = 0; i < 20; i += 1) {
        backward.push(
          await seconds(async () => {
            const pass = await differentiable.forwardWithGradient(batch, 512)
            await pass.inputGradient(ones)
            pass.dispose()
          })
        )
      }
    }
    // The first repetitions include weight upload and JIT tier-up.
    const rate = (rows: number, s: number[]): string => (rows / median(s.slice(s.length >> 2))).toExponential(3)
    console.log(
      `engine ${mlpKernelVariant() ?? 'tfjs'}: forward 100000x7 ${rate(100_000, forward)} samples/s, ` +
        `forward+backward 512x7 ${rate(512, backward)} samples/s`
    )
    expect(forward.length).toBe(14)
  })
})
