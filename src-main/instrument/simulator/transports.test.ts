import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { ReadStream as TtyStream } from 'node:tty'
import { afterEach, describe, expect, it } from 'vitest'
import { ScpiInstrument } from './scpi-instrument'
import { linearDevice } from './test-support'
import { createInProcessLink, startPtyTransport, startTcpTransport } from './transports'

const IDN = 'DNPU-SIM,DAQ-7x1,SIM0001,1.0.0\n'

/** Writes `text` and collects what the stream answers until `expected` bytes have arrived. */
function exchange(stream: Duplex | Socket, text: string, expected: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = ''
    const timer = setTimeout(() => reject(new Error(`no complete answer, got ${JSON.stringify(received)}`)), 5000)
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1')
      if (received.length >= expected) {
        clearTimeout(timer)
        stream.off('data', onData)
        resolve(received)
      }
    }
    stream.on('data', onData)
    stream.write(text)
  })
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function newInstrument(options: Partial<ConstructorParameters<typeof ScpiInstrument>[0]> = {}): ScpiInstrument {
  const instrument = new ScpiInstrument({ device: linearDevice(), speed: Infinity, ...options })
  cleanups.push(() => instrument.close())
  return instrument
}

describe('in-process link', () => {
  it('is a Duplex the host writes commands to and reads answers from', async () => {
    const link = createInProcessLink(newInstrument())
    expect(await exchange(link, '*IDN?;SOUR:CHAN:COUN?\n', IDN.length + 2)).toBe(`${IDN}7\n`)
    link.destroy()
  })

  it('ends the stream on the disconnect fault; a new link finds the state kept', async () => {
    const instrument = newInstrument({ faults: [{ kind: 'disconnect', afterAcquisitions: 0 }] })
    const link = createInProcessLink(instrument)
    const closed = new Promise<void>((resolve) => link.once('close', () => resolve()))
    link.resume()
    link.write('SOUR:FREQ 500\nINIT\n')
    await closed
    const again = createInProcessLink(instrument)
    expect(await exchange(again, 'SOUR:FREQ?\n', 4)).toBe('500\n')
    again.destroy()
  })
})

describe('TCP transport', () => {
  it('serves 127.0.0.1 and keeps the state across reconnects', async () => {
    const tcp = await startTcpTransport(newInstrument(), 0)
    cleanups.push(() => tcp.close())
    expect(tcp.host).toBe('127.0.0.1')
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(tcp.port, '127.0.0.1', () => resolve(socket))
        socket.once('error', reject)
      })
    const first = await open()
    expect(await exchange(first, '*IDN?\nSOUR:FREQ 2000\n', IDN.length)).toBe(IDN)
    first.destroy()
    const second = await open()
    expect(await exchange(second, 'SOUR:FREQ?\n', 5)).toBe('2000\n')
    second.destroy()
  })

  it('names a port already in use', async () => {
    const tcp = await startTcpTransport(newInstrument(), 0)
    cleanups.push(() => tcp.close())
    await expect(startTcpTransport(newInstrument(), tcp.port)).rejects.toThrow(
      `port ${tcp.port} on 127.0.0.1 is already in use`
    )
  })
})

const hasSocat = spawnSync('socat', ['-V']).status === 0

describe.skipIf(!hasSocat)('PTY transport (needs socat)', () => {
  it('answers *IDN? written to the client end with node:fs, and removes the links on close', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dnpu-sim-pty-'))
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }))
    const path = join(folder, 'ttyDNPU')
    const pty = await startPtyTransport(newInstrument(), path)
    cleanups.push(() => pty.close())
    expect(pty.path).toBe(path)
    const client = new TtyStream(openSync(path, 'r+'))
    try {
      expect(await exchange(client, '*IDN?\n', IDN.length)).toBe(IDN)
    } finally {
      client.destroy()
    }
    await pty.close()
    expect(existsSync(path)).toBe(false)
    expect(existsSync(`${path}.sim`)).toBe(false)
  })

  it('the disconnect fault removes the port, which comes back', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dnpu-sim-pty-'))
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }))
    const path = join(folder, 'ttyDNPU')
    const pty = await startPtyTransport(
      newInstrument({ faults: [{ kind: 'disconnect', afterAcquisitions: 0 }] }),
      path,
      { reappearAfterMs: 50 }
    )
    cleanups.push(() => pty.close())
    const client = new TtyStream(openSync(path, 'r+'))
    client.on('error', () => {})
    client.write('INIT\n')
    const deadline = Date.now() + 5000
    while (existsSync(path) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(existsSync(path)).toBe(false)
    client.destroy()
    while (!existsSync(path) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    const again = new TtyStream(openSync(path, 'r+'))
    try {
      expect(await exchange(again, '*IDN?\n', IDN.length)).toBe(IDN)
    } finally {
      again.destroy()
    }
  })
})

if (!hasSocat) {
  describe('PTY transport', () => {
    it.skip('skipped: socat is not installed (apt-get install socat)', () => {})
  })
}
