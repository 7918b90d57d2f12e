import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

interface BuildScript {
  buildKernels(): Promise<{ kernel: { wat: string; module: string }; text: string }[]>
  fusedMultiplyAdd(text: string): string
}

const root = fileURLToPath(new URL('../../../', import.meta.url))
const loadScript = async (): Promise<BuildScript> =>
  (await import(pathToFileURL(`${root}scripts/build-kernels.mjs`).href)) as BuildScript

describe('generated kernel modules', () => {
  it('match their .wat: re-run `node scripts/build-kernels.mjs` after editing one', async () => {
    const built = await (await loadScript()).buildKernels()
    expect(built.map(({ kernel }) => kernel.module)).toContain('src-main/core/kernels/mlp-kernel-wasm.ts')
    for (const { kernel, text } of built)
      expect(readFileSync(`${root}${kernel.module}`, 'utf8'), kernel.module).toBe(text)
  })

  it('fuses every multiply-add of the hot loops in the FMA build', async () => {
    const { fusedMultiplyAdd } = await loadScript()
    const wat = readFileSync(`${root}src-main/core/kernels/mlp-kernel.wat`, 'utf8')
    // 6 + 4 accumulators (chunk6, chunk4); chunk1 keeps its plain form.
    expect(fusedMultiplyAdd(wat).match(/f32x4\.relaxed_madd/g)).toHaveLength(10)
    expect(() => fusedMultiplyAdd('(module)')).toThrow(/no multiply-add found/)
  })
})
