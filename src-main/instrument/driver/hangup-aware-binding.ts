/**
 * The serial port binding, with one fix: on Linux and macOS a port whose far end went away
 * (USB unplugged, the PTY's other side closed) can be "hung up", and a read of a hung-up
 * terminal returns 0 bytes forever. The stock binding reads again at once on 0 bytes, so the
 * stream never learns the port is gone: a command waits for its full timeout ("did not answer")
 * instead of failing at once with "closed". Whether the first read after the far end closes sees
 * an error (then the stock binding reports the disconnect) or the hung-up 0 depends on timing,
 * which made the disconnect unreliable to detect under load.
 *
 * The port is opened non-blocking, so "no data yet" is EAGAIN, never 0 bytes: 0 bytes always
 * means end of file, and here it closes the port with a disconnect like any read error.
 */

import { read as fsRead } from 'node:fs'
import { promisify } from 'node:util'
import { SerialPort } from 'serialport'

const readAsync = promisify(fsRead)

type Binding = typeof SerialPort.binding
type PortBinding = Awaited<ReturnType<Binding['open']>>
type ReadResult = Awaited<ReturnType<PortBinding['read']>>

/** What a unix port binding carries that the replacement read needs. */
interface UnixPortInternals {
  fd: number | null
  poller: { once(event: 'readable', listener: (error?: Error | null) => void): unknown }
}

/** Thrown when the port is closed while a read waits: the stream ignores canceled reads. */
function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true })
}

/** A read error that means "try again when readable", not "the port is gone". */
function isRetryable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR'
}

export class PortHungUpError extends Error {
  override name = 'PortHungUpError'
}

/** The stock unix read loop, except that 0 bytes (end of file: the port hung up) is an error. */
export function hangupAwareRead(
  port: UnixPortInternals,
  readBytes: (fd: number, buffer: Buffer, offset: number, length: number) => Promise<{ bytesRead: number }> = (
    fd,
    buffer,
    offset,
    length
  ) => readAsync(fd, buffer, offset, length, null)
) {
  return async (buffer: Buffer, offset: number, length: number): Promise<ReadResult> => {
    for (;;) {
      if (port.fd === null) throw canceled()
      try {
        const { bytesRead } = await readBytes(port.fd, buffer, offset, length)
        if (bytesRead === 0) throw new PortHungUpError('the port hung up (its other end is gone)')
        return { bytesRead, buffer }
      } catch (error) {
        if (!isRetryable(error)) throw error
        // The port may have closed while the read was in the thread pool: polling a closed
        // port's destroyed poller is a native crash, so check again right before polling.
        if (port.fd === null) throw canceled()
        await new Promise<void>((resolve, reject) =>
          port.poller.once('readable', (pollError) => (pollError ? reject(pollError) : resolve()))
        )
      }
    }
  }
}

/** The platform's binding; on unix each opened port reads through `hangupAwareRead`. */
export const hangupAwareBinding: Binding = {
  ...SerialPort.binding,
  list: () => SerialPort.binding.list(),
  async open(options: Parameters<Binding['open']>[0]) {
    const port = await SerialPort.binding.open(options)
    if (process.platform !== 'win32') {
      port.read = hangupAwareRead(port as unknown as UnixPortInternals)
    }
    return port
  }
} as Binding
