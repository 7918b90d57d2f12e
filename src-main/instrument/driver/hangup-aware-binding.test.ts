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
import { PortHungUpError, hangupAwareRead } from './hangup-aware-binding'
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
  const eagain = () => Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' })

  /** A port whose poller records each poll and reports readable at once (or refuses if closed). */
  function fakePort() {
    const port = {
      fd: 7 as number | null,
      polls: 0,
      poller: {
        once(_event: 'readable', listener: (error?: Error | null) => void) {
          if (port.fd === null) throw new Error('polled a closed port (a native crash in the real binding)')
          port.polls += 1
          listener(null)
        }
      }
    }
    return port
  }

  it('waits for readable on EAGAIN, then returns the bytes', async () => {
    const port = fakePort()
    const answers = [eagain(), 3]
    const read = hangupAwareRead(port, async () => {
      const next = answers.shift()
      if (next instanceof Error) throw next
      return { bytesRead: next! }
    })
    await expect(read(Buffer.alloc(4), 0, 4)).resolves.toMatchObject({ bytesRead: 3 })
    expect(port.polls).toBe(1)
  })

  it('calls end of file a hang-up instead of reading again', async () => {
    const port = fakePort()
    let reads = 0
    const read = hangupAwareRead(port, async () => {
      reads += 1
      return { bytesRead: 0 }
    })
    await expect(read(Buffer.alloc(4), 0, 4)).rejects.toThrow(PortHungUpError)
    expect(reads).toBe(1)
  })

  it('never polls a port that closed while its read was in flight: the read is canceled', async () => {
    const port = fakePort()
    const read = hangupAwareRead(port, async () => {
      port.fd = null
      throw eagain()
    })
    await expect(read(Buffer.alloc(4), 0, 4)).rejects.toMatchObject({ canceled: true })
    expect(port.polls).toBe(0)
  })

  it('reports a read on a closed port as canceled (the stream ignores it)', async () => {
    const port = fakePort()
    port.fd = null
    await expect(hangupAwareRead(port)(Buffer.alloc(4), 0, 4)).rejects.toMatchObject({ canceled: true })
  })
})
