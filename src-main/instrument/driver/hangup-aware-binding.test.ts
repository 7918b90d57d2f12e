/**
 * A port whose far end went away while nothing was reading: its next read meets a hung-up
 * terminal (0 bytes). The transport must report the close at once, not spin on empty reads
 * until every command times out. Real PTY pair (socat), real serial binding.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hangupAwareRead } from './hangup-aware-binding'
import { openSerialTransport } from './transport'

const hasSocat = process.platform !== 'win32' && spawnSync('socat', ['-V']).status === 0
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** socat's PTY pair; resolves once both links exist. */
async function ptyPair(): Promise<{ hostPath: string; socat: ChildProcess }> {
  const folder = mkdtempSync(join(tmpdir(), 'dnpu-hangup-'))
  const hostPath = join(folder, 'host')
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${hostPath}.far`], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  cleanups.push(() => {
    socat.kill('SIGKILL')
    rmSync(folder, { recursive: true, force: true })
  })
  await new Promise<void>((ready, fail) => {
    let log = ''
    socat.once('exit', (code) => fail(new Error(`socat exited (${code}): ${log}`)))
    socat.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString()
      if (log.includes('starting data transfer loop')) ready()
    })
  })
  socat.removeAllListeners('exit')
  return { hostPath, socat }
}

describe.skipIf(!hasSocat)('a serial port whose far end is gone (real PTY)', () => {
  it('closes the transport when the first read after the hang-up returns end of file', async () => {
    const { hostPath, socat } = await ptyPair()
    const transport = await openSerialTransport(hostPath)
    const closed = new Promise<Error | undefined>((resolve) => transport.onClose(resolve))
    // Nothing reads yet (no data listener): the hang-up completes before the first read.
    await new Promise<void>((exited) => {
      socat.once('exit', () => exited())
      socat.kill('SIGTERM')
    })
    transport.onData(() => {})
    const error = await closed
    expect(transport.isOpen).toBe(false)
    // Usually the hang-up's end of file; the poll may report the dead descriptor first. Either
    // way the close carries why, and it comes now, not after a command timeout.
    expect(error?.message).toMatch(/^(the port hung up \(its other end is gone\)|bad file descriptor)$/)
  })
})

describe('hangupAwareRead', () => {
  it('reports a read on a closed port as canceled (the stream ignores it) without polling', async () => {
    const events: string[] = []
    const port = {
      fd: null as number | null,
      poller: {
        once(event: 'readable', listener: (error?: Error | null) => void) {
          events.push(event)
          listener(null)
        }
      }
    }
    const read = hangupAwareRead(port)
    await expect(read(Buffer.alloc(4), 0, 4)).rejects.toMatchObject({ canceled: true })
    expect(events).toEqual([])
  })
})
