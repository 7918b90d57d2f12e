/**
 * The built `dnpu` command, run as a user runs it (a child process on a fresh data folder).
 * `npm test` builds before it runs these; alone, run `npm run build` first.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dnpu, launcher, repoRoot, useBuiltCli, waitFor } from './test-support'

const freshDataFolder = useBuiltCli('dnpu-cli-')

const fixtures = join(repoRoot, 'src-main', 'core', 'torch-file', '__fixtures__')

describe('dnpu CLI', () => {
  it('trains XOR reproducibly: the same seed gives the same JSON apart from timings', () => {
    const runs = [freshDataFolder(), freshDataFolder()].map((folder) => {
      const result = dnpu(['train', 'ga', '--task', 'xor', '--seed', '3', '--json', '--data-dir', folder])
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      return JSON.parse(result.stdout) as Record<string, unknown>
    })
    const [first, second] = runs.map(({ seconds: _seconds, ...rest }) => rest)
    expect(first).toEqual(second)
    expect(first).toMatchObject({
      runId: 1,
      status: 'completed',
      targets: [0, 1, 1, 0],
      computeBackend: expect.any(String)
    })
    expect(first.bestCorrelation).toBeGreaterThanOrEqual(0.9)
    expect(first.controlVoltages).toHaveLength(5)
    expect(first.outputs).toHaveLength(4)
    expect(typeof runs[0].seconds).toBe('number')
  })

  it('lists the runs it stored and reports info', () => {
    const folder = freshDataFolder()
    expect(
      dnpu([
        'train',
        'ga',
        '--task',
        'nand',
        '--seed',
        '1',
        '--generations',
        '5',
        '--stop-threshold',
        '1.5',
        '--data-dir',
        folder
      ]).status
    ).toBe(0)
    const listed = dnpu(['runs', 'list', '--json', '--data-dir', folder])
    expect(listed.status).toBe(0)
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { id: 1, task: 'nand', status: 'completed', generations: 5, seed: 1 }
    ])
    const table = dnpu(['runs', 'list', '--data-dir', folder])
    expect(table.stdout).toMatch(/^id\s+started \(UTC\)/)
    expect(table.stdout).toContain('nand')
    const info = JSON.parse(dnpu(['info', '--json', '--data-dir', folder]).stdout)
    expect(info).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      computeBackend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/),
      dataFolder: folder
    })
  })

  it('refuses bad options with one line naming the option, exit code 2', () => {
    const folder = freshDataFolder()
    const bad = dnpu(['train', 'ga', '--task', 'xor', '--partition', '0,22', '--data-dir', folder])
    expect(bad.status).toBe(2)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(bad.stderr).toContain('--partition')
    const badElectrode = dnpu(['train', 'ga', '--task', 'xor', '--data-electrodes', '1,9', '--data-dir', folder])
    expect(badElectrode.status).toBe(2)
    expect(badElectrode.stderr).toContain('electrode 9 does not exist')
    expect(JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout)).toEqual([])
  })

  it('refuses an empty --data-dir instead of using the real data folder', () => {
    // The user's real folder is where an empty value used to lead: point it at a fresh one.
    const home = freshDataFolder()
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      APPDATA: join(home, 'AppData'),
      DNPU_DATA_DIR: undefined
    }
    for (const args of [['runs', 'list', '--json'], ['train', 'ga', '--task', 'xor', '--generations', '1'], ['info']]) {
      const result = dnpu([...args, '--data-dir', ''], 60_000, env)
      expect(result.status).toBe(2)
      expect(result.stderr).toContain('--data-dir must name a folder, got an empty value')
    }
    expect(readdirSync(home)).toEqual([])
  })

  it('caps --workers at the number of cores and says so', () => {
    const folder = freshDataFolder()
    const result = dnpu([
      'train',
      'ga',
      '--task',
      'xor',
      '--generations',
      '2',
      '--seed',
      '1',
      '--workers',
      '4096',
      '--json',
      '--data-dir',
      folder
    ])
    expect(result.status).toBe(0)
    expect(result.stderr).toBe(
      `dnpu: --workers 4096 is more than this machine's ${availableParallelism()} cores: using ${availableParallelism()}\n`
    )
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'completed', generations: 2 })
  })

  it('several processes creating the same new database at once all come up (migrations applied once)', async () => {
    const folder = freshDataFolder()
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun) => {
          const child = spawn(process.execPath, [launcher, 'runs', 'list', '--json', '--data-dir', folder], {
            cwd: repoRoot
          })
          let stdout = ''
          let stderr = ''
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
          child.once('exit', (code) => resolveRun({ code, stdout, stderr }))
        })
    )
    for (const result of await Promise.all(runs)) {
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual([])
    }
  })

  it('marks a run interrupted when the process dies mid-run, at the next start', async () => {
    const folder = freshDataFolder()
    const child = spawn(
      process.execPath,
      [
        launcher,
        'train',
        'ga',
        '--task',
        'xor',
        '--generations',
        '100000',
        '--stop-threshold',
        '1.5',
        '--json',
        '--data-dir',
        folder
      ],
      { cwd: repoRoot }
    )
    // Wait until generations are being written, then kill without any chance to clean up.
    await waitFor(() => {
      const runs = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout) as {
        generations: number
      }[]
      return runs.length === 1 && runs[0].generations >= 2
    })
    child.kill('SIGKILL')
    await new Promise((resolveExit) => child.once('exit', resolveExit))
    const [run] = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout)
    expect(run.status).toBe('interrupted')
    expect(run.generations).toBeGreaterThanOrEqual(2)
  })

  // Ctrl+C, a `kill` or a system shutdown, a closed terminal: each stops the run after the
  // current step (a run on the instrument then ends with ABOR), never mid-write.
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('stops a run cleanly on %s with status stopped', async (signal) => {
    const folder = freshDataFolder()
    const child = spawn(
      process.execPath,
      [
        launcher,
        'train',
        'ga',
        '--task',
        'xor',
        '--generations',
        '100000',
        '--stop-threshold',
        '1.5',
        '--json',
        '--data-dir',
        folder
      ],
      { cwd: repoRoot }
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    let listed = ''
    await waitFor(() => {
      const result = dnpu(['runs', 'list', '--json', '--data-dir', folder])
      listed = result.stdout || result.stderr
      // Refused while the other process holds the database (e.g. creating it): ask again.
      if (result.status !== 0) return false
      const runs = JSON.parse(result.stdout) as { generations: number }[]
      return runs.length === 1 && runs[0].generations >= 2
    }).catch((error: Error) => {
      throw new Error(`${error.message}; runs: ${listed}; trainer stderr: ${stderr}; exit: ${child.exitCode}`)
    })
    child.kill(signal)
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit))
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ status: 'stopped' })
  })
})

describe('dnpu models', () => {
  it.each(['small-elu', 'small-tanh', 'defaults-missing'])(
    'imports %s.pt and eval reproduces PyTorch within 1e-4',
    (name) => {
      const folder = freshDataFolder()
      const imported = dnpu(['models', 'import', join(fixtures, `${name}.pt`), '--json', '--data-dir', folder])
      expect(imported.status).toBe(0)
      const model = JSON.parse(imported.stdout)
      expect(model).toMatchObject({
        id: '1',
        name,
        structure: { inputCount: 7, outputCount: 1 },
        info: expect.any(Object)
      })
      expect(model.warnings).toHaveLength(name === 'defaults-missing' ? 2 : 0)
      const expected = JSON.parse(readFileSync(join(fixtures, `${name}.expected.json`), 'utf8')) as {
        inputs: number[][]
        outputs_nA: number[]
      }
      const inputsFile = join(folder, 'inputs.json')
      writeFileSync(inputsFile, JSON.stringify(expected.inputs))
      const evaluated = dnpu(['models', 'eval', '1', '--inputs', inputsFile, '--json', '--data-dir', folder])
      expect(evaluated.status).toBe(0)
      const { outputs } = JSON.parse(evaluated.stdout) as { outputs: number[] }
      expect(outputs).toHaveLength(expected.outputs_nA.length)
      outputs.forEach((value, i) => {
        const want = expected.outputs_nA[i]
        expect(Math.abs(value - want)).toBeLessThanOrEqual(1e-4 * Math.max(Math.abs(want), 1e-2))
      })
    }
  )

  it('refuses a truncated file with a clear message and exit code 2 (bad input), and leaves the store unchanged', () => {
    const folder = freshDataFolder()
    const truncated = join(folder, 'cut.pt')
    writeFileSync(truncated, readFileSync(join(fixtures, 'small-tanh.pt')).subarray(0, 3000))
    const refused = dnpu(['models', 'import', truncated, '--data-dir', folder])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/truncated or damaged/)
    expect(
      JSON.parse(dnpu(['models', 'list', '--json', '--data-dir', folder]).stdout).map((m: { id: string }) => m.id)
    ).toEqual(['demo'])
  })

  it('trains a GA on a .pt file given to --model (imported first)', () => {
    const folder = freshDataFolder()
    const result = dnpu([
      'train',
      'ga',
      '--task',
      'or',
      '--model',
      join(fixtures, 'small-elu.pt'),
      '--generations',
      '5',
      '--seed',
      '1',
      '--json',
      '--data-dir',
      folder
    ])
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'completed', generations: expect.any(Number) })
    const [run] = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout)
    expect(run.modelId).toBe('1')
  })
})
