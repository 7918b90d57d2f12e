/**
 * `dnpu sim` run as a user runs it (the built CLI in a child process), talked to over TCP and a
 * PTY. `npm test` builds before it runs these; alone, run `npm run build` first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, openSync, readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { ReadStream as TtyStream } from 'node:tty'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeFloat32Block } from '../instrument/protocol/block'
import { dnpu, launcher, repoRoot, useBuiltCli } from './test-support'

const freshFolder = useBuiltCli('dnpu-sim-')
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

/** Starts `dnpu sim ARGS` and resolves with the child and what follows READY. */
function startSim(args: string[]): Promise<{ child: ChildProcess; where: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [launcher, 'sim', ...args], { cwd: repoRoot })
  children.push(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /^READY (\S+)\n/.exec(stdout)
      if (match) resolve({ child, where: match[1]!, exited })
    })
    child.once('exit', (code) => reject(new Error(`dnpu sim exited (${code}) before READY: ${stderr}`)))
  })
}

/** Sends `bytes` and collects the answer until `done(text)` says it is complete. */
function exchange(
  stream: Socket | TtyStream,
  bytes: Uint8Array | string,
  done: (text: string) => boolean
): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = ''
    const timer = setTimeout(() => reject(new Error(`no complete answer, got ${JSON.stringify(received)}`)), 10_000)
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1')
      if (done(received)) {
        clearTimeout(timer)
        stream.off('data', onData)
        resolve(received)
      }
    }
    stream.on('data', onData)
    stream.write(bytes)
  })
}

const lines = (count: number) => (text: string) => text.split('\n').length > count

describe('dnpu sim', () => {
  it('serves the demo device on TCP, logs uploads, and stops cleanly on SIGTERM', async () => {
    const folder = freshFolder()
    const log = join(folder, 'uploads.jsonl')
    const { child, where, exited } = await startSim(['--tcp', '0', '--speed', 'inf', '--log', log])
    expect(where).toMatch(/^127\.0\.0\.1:\d+$/)
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(Number(where.split(':')[1]), '127.0.0.1', () => resolve(s))
      s.once('error', reject)
    })
    try {
      expect(await exchange(socket, '*IDN?;SOUR:FREQ?\n', lines(2))).toBe('DNPU-SIM,DAQ-7x1,SIM0001,1.0.0\n1000\n')
      const stream = new Float32Array(3 * 7)
      stream[7] = 0.005
      const upload = Buffer.concat([
        Buffer.from('WAV:DATA '),
        encodeFloat32Block(stream),
        Buffer.from('\nMEAS?\nSYST:ERR?\n')
      ])
      // The 3-reading block is `#212` + 12 bytes + newline, then the error answer.
      const answer = await exchange(
        socket,
        upload,
        (text) => text.length > 17 && text.endsWith('\n') && text.slice(17).includes('\n')
      )
      expect(answer.slice(0, 4)).toBe('#212')
      expect(answer.slice(17)).toBe('0,"No error"\n')
    } finally {
      socket.destroy()
    }
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const records = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ outcome: 'accepted', channelCount: 7, samplesPerChannel: 3, error: null })
  })

  it.skipIf(spawnSync('socat', ['-V']).status !== 0)(
    'creates a PTY with socat, answers on it, and removes it on SIGINT',
    async () => {
      const folder = freshFolder()
      const path = join(folder, 'ttyDNPU')
      const { child, where, exited } = await startSim(['--pty', path])
      expect(where).toBe(path)
      const client = new TtyStream(openSync(path, 'r+'))
      try {
        expect(await exchange(client, 'SOUR:CHAN:COUN?;SENS:CHAN:COUN?\n', lines(2))).toBe('7\n1\n')
      } finally {
        client.destroy()
      }
      child.kill('SIGINT')
      expect(await exited).toBe(0)
      expect(existsSync(path)).toBe(false)
    }
  )

  it('refuses bad options with one clear line and exit code 2', () => {
    const cases: [string[], string][] = [
      [[], 'give exactly one of --pty PATH or --tcp PORT'],
      [['--tcp', '0', '--pty', '/tmp/x'], 'give exactly one of --pty PATH or --tcp PORT'],
      [['--tcp', '70000'], '--tcp must be in 0..65535'],
      [['--tcp', '0', '--speed', 'fast'], '--speed must be a number'],
      [['--tcp', '0', '--fault', 'explode-after=1'], '--fault must be disconnect-after=K'],
      [['--tcp', '0', '--noise-std', '-1'], '--noise-std must be a number >= 0'],
      [['--tcp', '0', '--model', '/nonexistent/model.pt'], '--model file /nonexistent/model.pt does not exist']
    ]
    for (const [args, message] of cases) {
      const result = dnpu(['sim', ...args], 60_000)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stderr.trim().split('\n')[0]).toContain(message)
      expect(result.stdout).toBe('')
    }
  })
})
