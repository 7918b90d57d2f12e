/**
 * `dnpu capacity`, run as a user runs it (the built CLI in a child process, fresh data folder).
 * `npm test` builds before it runs these; alone, run `npm run build` first.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { dnpu, launcher, repoRoot, useBuiltCli, waitFor } from './test-support'

const freshDataFolder = useBuiltCli('dnpu-capacity-')

const small = ['capacity', '--from', '4', '--to', '4', '--attempts', '1', '--generations', '5']

describe('dnpu capacity', () => {
  it('sweeps N = 4 reproducibly: the same seed gives the same JSON apart from timings', () => {
    const [first, second] = [freshDataFolder(), freshDataFolder()].map((folder) => {
      const result = dnpu([...small, '--seed', '3', '--json', '--data-dir', folder])
      expect(result.status).toBe(0)
      const { seconds, ...rest } = JSON.parse(result.stdout) as Record<string, unknown>
      expect(typeof seconds).toBe('number')
      return rest
    })
    expect(first).toEqual(second)
    expect(first).toMatchObject({
      runId: 1,
      algorithm: 'capacity',
      status: 'completed',
      seed: 3,
      model: 'demo',
      stopped: false,
      labelings: 14,
      computeBackend: expect.stringMatching(/^(tensorflow|wasm|cpu)$/)
    })
    const perN = first.perN as { n: number; labelings: number; evaluated: number; found: number; capacity: number }[]
    expect(perN).toHaveLength(1)
    expect(perN[0]).toMatchObject({ n: 4, labelings: 14, evaluated: 14 })
    expect(perN[0].found).toBeLessThanOrEqual(14)
    expect(perN[0].capacity).toBe(perN[0].found / 14)
  })

  it('prints a table per N without --json, and the sweep is a stored run', () => {
    const folder = freshDataFolder()
    const result = dnpu([...small, '--to', '5', '--seed', '1', '--data-dir', folder])
    expect(result.status).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^run 1: capacity sweep completed in [\d.]+ s, seed 1$/)
    expect(lines[1]).toMatch(/^N\s+labelings\s+tried\s+found\s+capacity$/)
    expect(lines[2]).toMatch(/^4\s+14\s+14\s+\d+\s+[01]\.\d{3}$/)
    expect(lines[3]).toMatch(/^5\s+30\s+30\s+\d+\s+[01]\.\d{3}$/)
    const listed = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout) as {
      algorithm: string
      generations: number
    }[]
    expect(listed).toMatchObject([{ algorithm: 'capacity', generations: 44 }])
  })

  it('stops after K labelings and resumes to the same result as one uninterrupted sweep', () => {
    const folder = freshDataFolder()
    const args = [
      'capacity',
      '--from',
      '4',
      '--to',
      '5',
      '--attempts',
      '1',
      '--generations',
      '4',
      '--seed',
      '6',
      '--json',
      '--data-dir',
      folder
    ]
    const { seconds: _s1, runId: _r1, ...whole } = JSON.parse(dnpu(args).stdout) as Record<string, unknown>
    const stopped = JSON.parse(dnpu([...args, '--stop-after', '20']).stdout) as Record<string, unknown>
    expect(stopped).toMatchObject({ status: 'stopped', labelings: 20 })
    const resumed = dnpu(['runs', 'resume', String(stopped.runId), '--json', '--data-dir', folder])
    expect(resumed.status).toBe(0)
    const { seconds: _s2, runId, ...rest } = JSON.parse(resumed.stdout) as Record<string, unknown>
    expect(runId).toBe(stopped.runId)
    expect(rest).toEqual(whole)
  })

  it('refuses bad options naming the option, exit code 2', () => {
    const folder = freshDataFolder()
    const cases: [string[], RegExp][] = [
      [['--from', '3', '--to', '4'], /--from must be at least 4, got 3/],
      [['--from', '4', '--to', '11'], /--to must be at most 10/],
      [['--from', '6', '--to', '5'], /--from \(6\) must not be greater than --to \(5\)/],
      [['--from', '4', '--to', '4', '--attempts', '0'], /--attempts must be at least 1/],
      [['--from', '4', '--to', '4', '--threshold-parameter', '4'], /--threshold-parameter must be from 0/],
      [['--from', '4', '--to', '4', '--model', 'no-such-model'], /--model: modelId: no model "no-such-model"/]
    ]
    for (const [args, message] of cases) {
      const result = dnpu(['capacity', ...args, '--data-dir', folder])
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stdout).toBe('')
    }
    expect(dnpu(['capacity', '--to', '5', '--data-dir', folder]).stderr).toContain('--from')
  })

  it('stops cleanly on Ctrl+C: partial result stored as a stopped run', async () => {
    const folder = freshDataFolder()
    const child = spawn(
      process.execPath,
      [launcher, 'capacity', '--from', '4', '--to', '10', '--seed', '1', '--json', '--data-dir', folder],
      { cwd: repoRoot }
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit))
    // Once a labeling is stored, the run (and its Ctrl+C handler) is under way.
    await waitFor(() => {
      const runs = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout || '[]') as {
        generations: number
      }[]
      return runs.length === 1 && runs[0].generations >= 2
    })
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    const result = JSON.parse(stdout) as {
      status: string
      stopped: boolean
      perN: { n: number; labelings: number; evaluated: number }[]
    }
    expect(result).toMatchObject({ status: 'stopped', stopped: true })
    // The sweep over 4..10 (2018 labelings) cannot have finished.
    expect(result.perN.reduce((sum, entry) => sum + entry.evaluated, 0)).toBeLessThan(2018)
    result.perN.forEach((entry) => expect(entry.evaluated).toBeLessThanOrEqual(entry.labelings))
    expect(stderr).toContain('stopping the run after this labeling')
  })
})
