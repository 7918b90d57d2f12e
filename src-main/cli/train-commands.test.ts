/**
 * `dnpu train gd`, `--stop-after`, `--workers` and `dnpu runs resume`, run as a user runs them
 * (the built CLI in a child process on a fresh data folder). `npm test` builds first.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { dnpu, repoRoot, useBuiltCli } from './test-support'

const freshDataFolder = useBuiltCli('dnpu-train-')

/** The result JSON without what legitimately differs between two runs of the same thing. */
function comparable(result: Record<string, unknown>): Record<string, unknown> {
  const { seconds: _seconds, runId: _runId, ...rest } = result
  return rest
}

function json(args: string[]): Record<string, unknown> {
  const result = dnpu([...args, '--json'])
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

const smallRing = ['--samples', '300', '--epochs', '12', '--seed', '2']

describe('dnpu train gd', () => {
  it('trains the ring task with history and accuracy, reproducibly', () => {
    const folder = freshDataFolder()
    const first = json(['train', 'gd', '--task', 'ring', ...smallRing, '--data-dir', folder])
    expect(first).toMatchObject({ algorithm: 'gd', status: 'completed', epochs: 12, seed: 2 })
    const history = first.history as { trainLoss: number[]; valLoss: number[] }
    expect(history.trainLoss).toHaveLength(12)
    expect(history.valLoss).toHaveLength(12)
    expect(history.trainLoss.at(-1)!).toBeLessThan(history.trainLoss[0]!)
    const accuracy = first.accuracy as { trainPercent: number; validationPercent: number; testPercent: number }
    expect(accuracy.trainPercent).toBeGreaterThan(70)
    expect((first.controlVoltages as number[]).length).toBe(5)
    expect((first.outputs as number[]).length).toBe(45) // the test set: 15 % of 300
    const second = json(['train', 'gd', '--task', 'ring', ...smallRing, '--data-dir', folder])
    expect(comparable(second)).toEqual(comparable(first))
  })

  it('trains on an imported PyTorch surrogate given as a file (imported first, then reused by id)', () => {
    const folder = freshDataFolder()
    const file = join(repoRoot, 'src-main', 'core', 'torch-file', '__fixtures__', 'small-elu.pt')
    const result = json([
      'train',
      'gd',
      '--model',
      file,
      '--samples',
      '200',
      '--epochs',
      '4',
      '--seed',
      '1',
      '--data-dir',
      folder
    ])
    expect(result).toMatchObject({ algorithm: 'gd', status: 'completed', epochs: 4 })
    const [run] = JSON.parse(dnpu(['runs', 'list', '--json', '--data-dir', folder]).stdout) as { modelId: string }[]
    expect(run!.modelId).toBe('1')
    const byId = json([
      'train',
      'gd',
      '--model',
      '1',
      '--samples',
      '200',
      '--epochs',
      '4',
      '--seed',
      '1',
      '--data-dir',
      folder
    ])
    const { runId: _a, seconds: _b, ...first } = result
    const { runId: _c, seconds: _d, ...second } = byId
    expect(second).toEqual(first)
  })

  it('refuses bad options naming them', () => {
    const folder = freshDataFolder()
    const cases: [string[], RegExp][] = [
      [['--lr', '0'], /--lr: learningRate: .*greater than 0|--lr: .*>0/],
      [['--split', '0.5,0.5,0.5'], /--split: ring.split: .*must be 1/],
      [['--samples', '301'], /--samples: ring.sampleCount: must be even/],
      [['--loss', 'hinge'], /--loss.*hinge.*(corrsig|Allowed)/],
      [['--noise-std', '1'], /unknown option '--noise-std'/]
    ]
    for (const [args, expected] of cases) {
      const result = dnpu(['train', 'gd', '--data-dir', folder, ...args])
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(expected)
    }
  })
})

describe('--stop-after and dnpu runs resume', () => {
  it.each([
    [
      'ga',
      [
        'train',
        'ga',
        '--task',
        'xor',
        '--seed',
        '5',
        '--generations',
        '9',
        '--stop-threshold',
        '1.5',
        '--noise-std',
        '1.5'
      ]
    ],
    ['gd', ['train', 'gd', ...smallRing]]
  ])('%s: a run stopped after 4 steps and resumed equals the uninterrupted run', (_algorithm, args) => {
    const folder = freshDataFolder()
    const whole = json([...args, '--data-dir', folder])
    const stopped = json([...args, '--stop-after', '4', '--data-dir', folder])
    expect(stopped.status).toBe('stopped')
    const steps = stopped.generations ?? stopped.epochs
    expect(steps).toBe(4)
    const resumed = json(['runs', 'resume', String(stopped.runId), '--data-dir', folder])
    expect(resumed.runId).toBe(stopped.runId)
    expect(comparable(resumed)).toEqual(comparable(whole))
    // A completed run cannot be resumed; the message says why.
    const again = dnpu(['runs', 'resume', String(stopped.runId), '--data-dir', folder])
    expect(again.status).toBe(2)
    expect(again.stderr).toMatch(/is 'completed': only a stopped or interrupted run can be resumed/)
  })

  it('gives the same GA run whatever the number of workers (large pool: split across threads)', () => {
    const folder = freshDataFolder()
    const args = [
      'train',
      'ga',
      '--task',
      'xor',
      '--seed',
      '3',
      '--partition',
      '500,500',
      '--generations',
      '2',
      '--stop-threshold',
      '1.5',
      '--data-dir',
      folder
    ]
    const one = json([...args, '--workers', '1'])
    const two = json([...args, '--workers', '2'])
    expect(comparable(two)).toEqual(comparable(one))
  })

  it('refuses to resume an unknown run', () => {
    const result = dnpu(['runs', 'resume', '42', '--data-dir', freshDataFolder()])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/no run 42/)
  })
})
