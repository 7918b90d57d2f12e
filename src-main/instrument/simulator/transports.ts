/**
 * Ways to reach a `ScpiInstrument`: in process (a Duplex the driver reads and writes like a
 * port), a TCP socket on loopback, or a pseudo-terminal pair made by socat (so the real serial
 * driver is exercised end to end). The simulator side never uses serialport: it reads its end
 * of the PTY pair with node:tty, so the driver and the simulator stay independent.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, constants as fsConstants, lstatSync, openSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import { Duplex } from 'node:stream'
import { ReadStream as TtyStream } from 'node:tty'
import type { ScpiInstrument } from './scpi-instrument'

function bytesOf(chunk: Buffer | Uint8Array | string): Uint8Array {
  return typeof chunk === 'string'
    ? new TextEncoder().encode(chunk)
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

// ---- in process ------------------------------------------------------------------------------

/**
 * A client stream connected to `instrument`: what is written to it reaches the instrument,
 * its answers are read from it. Destroying it detaches the host; the disconnect fault ends and
 * destroys it (the host sees 'end' then 'close', as when a port vanishes). Each call is a new
 * connection and replaces the previous one; the instrument's state survives.
 */
export function createInProcessLink(instrument: ScpiInstrument): Duplex {
  let detach: () => void = () => {}
  const client = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      instrument.push(bytesOf(chunk))
      callback()
    },
    destroy(error, callback) {
      detach()
      callback(error)
    }
  })
  detach = instrument.attach({
    write: (bytes) => {
      if (!client.destroyed) client.push(Buffer.from(bytes))
    },
    disconnect: () => {
      client.push(null)
      // Let 'end' reach readers before the stream is torn down.
      setImmediate(() => client.destroy())
    }
  })
  return client
}

// ---- TCP -------------------------------------------------------------------------------------

export interface TcpTransport {
  host: string
  port: number
  close(): Promise<void>
}

/**
 * Serves `instrument` on 127.0.0.1:`port` (0: any free port). One host at a time: a new
 * connection replaces the previous one (a host that reconnects after a failure must not be
 * locked out by its own dead socket). The disconnect fault closes the socket, the server stays.
 */
export function startTcpTransport(instrument: ScpiInstrument, port: number): Promise<TcpTransport> {
  const host = '127.0.0.1'
  let current: Socket | null = null
  const server: Server = createServer((socket) => {
    current?.destroy()
    current = socket
    socket.setNoDelay(true)
    const detach = instrument.attach({
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes)
      },
      disconnect: () => socket.destroy()
    })
    socket.on('data', (chunk: Buffer) => instrument.push(bytesOf(chunk)))
    socket.on('error', () => {})
    socket.on('close', () => {
      detach()
      if (current === socket) current = null
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use`
            : `cannot listen on ${host}:${port}: ${error.message}`
        )
      )
    })
    server.listen(port, host, () => {
      const address = server.address()
      const boundPort = typeof address === 'object' && address ? address.port : port
      resolve({
        host,
        port: boundPort,
        close: () =>
          new Promise<void>((done) => {
            current?.destroy()
            server.close(() => done())
          })
      })
    })
  })
}

// ---- PTY -------------------------------------------------------------------------------------

export interface PtyTransport {
  /** The client end: the path the host opens as its serial port. */
  path: string
  close(): Promise<void>
  /** Synchronous last resort for process 'exit': kill socat and remove the links. */
  closeNow(): void
}

export interface PtyOptions {
  socatPath?: string
  /** After the disconnect fault removed the port, it comes back after this long (default 1000 ms). */
  reappearAfterMs?: number
  /** How long socat may take to create the pair (default 5000 ms). */
  startTimeoutMs?: number
}

/** Removes a stale symlink at `path` (a leftover of a killed simulator); refuses anything else. */
function removeStaleLink(path: string): void {
  let isLink: boolean
  try {
    isLink = lstatSync(path).isSymbolicLink()
  } catch {
    return
  }
  if (!isLink) throw new Error(`${path} exists and is not a symbolic link: choose another --pty path`)
  unlinkSync(path)
}

function unlinkQuietly(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path)
  } catch {
    // already gone
  }
}

interface PtyPair {
  socat: ChildProcess
  stream: TtyStream
  detach: () => void
}

/**
 * `socat pty,raw,echo=0,link=PATH pty,raw,echo=0,link=PATH.sim`: the host opens PATH, the
 * instrument reads and writes PATH.sim. The disconnect fault kills socat (both links vanish and
 * the host's port fails), then a new pair appears at the same path after `reappearAfterMs`.
 */
export async function startPtyTransport(
  instrument: ScpiInstrument,
  path: string,
  options: PtyOptions = {}
): Promise<PtyTransport> {
  const clientPath = resolvePath(path)
  const simPath = `${clientPath}.sim`
  const socatPath = options.socatPath ?? 'socat'
  let pair: PtyPair | null = null
  let closed = false
  let reappearTimer: ReturnType<typeof setTimeout> | null = null

  const stopPair = async (current: PtyPair): Promise<void> => {
    current.detach()
    current.stream.destroy()
    if (current.socat.exitCode === null && current.socat.signalCode === null) {
      const exited = new Promise<void>((done) => current.socat.once('exit', () => done()))
      current.socat.kill('SIGTERM')
      await exited
    }
    unlinkQuietly(clientPath)
    unlinkQuietly(simPath)
  }

  const startPair = async (): Promise<PtyPair> => {
    removeStaleLink(clientPath)
    removeStaleLink(simPath)
    const socat = spawn(
      socatPath,
      ['-d', '-d', `pty,raw,echo=0,link=${clientPath}`, `pty,raw,echo=0,link=${simPath}`],
      {
        stdio: ['ignore', 'ignore', 'pipe']
      }
    )
    await new Promise<void>((ready, fail) => {
      let log = ''
      const timer = setTimeout(() => {
        socat.kill('SIGTERM')
        fail(new Error(`socat did not create the PTY pair within ${options.startTimeoutMs ?? 5000} ms: ${log.trim()}`))
      }, options.startTimeoutMs ?? 5000)
      socat.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        fail(
          new Error(
            error.code === 'ENOENT'
              ? `socat is not installed (needed for --pty; e.g. apt-get install socat)`
              : `cannot start socat: ${error.message}`
          )
        )
      })
      socat.once('exit', (code) => {
        clearTimeout(timer)
        fail(new Error(`socat exited (code ${code}) before the PTY pair was ready: ${log.trim()}`))
      })
      socat.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString()
        if (log.includes('starting data transfer loop')) {
          clearTimeout(timer)
          ready()
        }
      })
    })
    socat.stderr!.resume()
    // O_NOCTTY: opening a terminal must never make it this process's controlling terminal.
    const fd = openSync(simPath, fsConstants.O_RDWR | fsConstants.O_NOCTTY)
    let stream: TtyStream
    try {
      stream = new TtyStream(fd)
    } catch (error) {
      closeSync(fd)
      throw error
    }
    const current: PtyPair = { socat, stream, detach: () => {} }
    stream.on('data', (chunk: Buffer) => instrument.push(bytesOf(chunk)))
    stream.on('error', () => {})
    current.detach = instrument.attach({
      write: (bytes) => {
        if (!stream.destroyed) stream.write(bytes)
      },
      disconnect: () => {
        void stopPair(current).then(() => {
          if (pair === current) pair = null
          if (closed) return
          reappearTimer = setTimeout(() => {
            reappearTimer = null
            if (closed) return
            startPair().then(
              (next) => {
                if (closed) void stopPair(next)
                else pair = next
              },
              () => {}
            )
          }, options.reappearAfterMs ?? 1000)
        })
      }
    })
    return current
  }

  pair = await startPair()
  return {
    path: clientPath,
    close: async () => {
      closed = true
      if (reappearTimer) clearTimeout(reappearTimer)
      if (pair) await stopPair(pair)
      pair = null
    },
    closeNow: () => {
      closed = true
      if (reappearTimer) clearTimeout(reappearTimer)
      pair?.socat.kill('SIGTERM')
      unlinkQuietly(clientPath)
      unlinkQuietly(simPath)
    }
  }
}
