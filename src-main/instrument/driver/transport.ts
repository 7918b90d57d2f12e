/**
 * The byte stream under a connection: write bytes, receive bytes, learn that it closed. Adapters
 * for a serial port, a TCP socket (`tcp://host:port`, the simulator's --tcp mode) and any node
 * Duplex (an in-process stream pair). No protocol knowledge lives here.
 */

import { connect as netConnect } from 'node:net'
import type { Duplex } from 'node:stream'
import { SerialPort, type SerialPortOpenOptions } from 'serialport'
import { hangupAwareBinding } from './hangup-aware-binding'

export interface Transport {
  /** Where it goes, for messages: `/dev/ttyACM0 at 115200 baud`, `tcp://127.0.0.1:5025`. */
  readonly description: string
  /** Bytes per second the link can carry, for transfer-time allowances; Infinity when not limited. */
  readonly bytesPerSecond: number
  readonly isOpen: boolean
  /** Resolves once the bytes are handed to the OS; rejects when the link is gone. */
  write(bytes: Uint8Array): Promise<void>
  onData(listener: (bytes: Uint8Array) => void): void
  /** Called once, when the link closes for any reason (`error` when it failed rather than ended). */
  onClose(listener: (error?: Error) => void): void
  /** Closes the link; resolves when it is closed. Safe to call twice. */
  close(): Promise<void>
}

export const DEFAULT_BAUD_RATE = 115200

/** Wraps a node Duplex. `closeStream` overrides how it is closed (a serial port has its own close). */
export function duplexTransport(
  stream: Duplex,
  options: { description: string; bytesPerSecond?: number; closeStream?: () => Promise<void> }
): Transport {
  const dataListeners: Array<(bytes: Uint8Array) => void> = []
  const closeListeners: Array<(error?: Error) => void> = []
  let open = !stream.destroyed
  let lastError: Error | undefined
  const closed = new Promise<void>((resolve) => {
    const finish = () => {
      if (!open) return resolve()
      open = false
      for (const listener of closeListeners) listener(lastError)
      resolve()
    }
    stream.once('close', (reason?: unknown) => {
      // A serial port closes with a DisconnectedError when the device goes away.
      if (reason instanceof Error) lastError ??= reason
      finish()
    })
    // A peer that ends its side (TCP FIN) will send nothing more: the link is over for us.
    stream.once('end', finish)
    if (!open) resolve()
  })
  stream.on('error', (error: Error) => {
    lastError ??= error
    if (!stream.destroyed) stream.destroy()
  })
  // Bytes that arrive before anyone listens are kept, not lost.
  const early: Uint8Array[] = []
  stream.on('data', (chunk: Buffer | string) => {
    const bytes =
      typeof chunk === 'string'
        ? new TextEncoder().encode(chunk)
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (dataListeners.length === 0) early.push(bytes)
    for (const listener of dataListeners) listener(bytes)
  })
  return {
    description: options.description,
    bytesPerSecond: options.bytesPerSecond ?? Infinity,
    get isOpen() {
      return open
    },
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        if (!open) return reject(new Error(`${options.description} is closed`))
        stream.write(bytes, (error) => (error ? reject(error) : resolve()))
      })
    },
    onData(listener) {
      dataListeners.push(listener)
      for (const bytes of early.splice(0)) listener(bytes)
    },
    onClose(listener) {
      closeListeners.push(listener)
    },
    async close() {
      if (open) {
        if (options.closeStream) await options.closeStream().catch(() => stream.destroy())
        else stream.destroy()
      }
      await closed
    }
  }
}

/** What the adapter needs of a serial port: `SerialPort`, or `SerialPortMock` in tests. */
export interface SerialPortLike extends Duplex {
  readonly path: string
  readonly baudRate: number
  readonly isOpen: boolean
  open(callback: (error: Error | null) => void): void
  close(callback: (error: Error | null) => void): void
}

/** Wraps an already constructed serial port and opens it if needed. */
export async function serialPortTransport(port: SerialPortLike): Promise<Transport> {
  if (!port.isOpen) {
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error ? reject(new Error(`cannot open serial port ${port.path}: ${error.message}`)) : resolve()
      )
    )
  }
  return duplexTransport(port, {
    description: `${port.path} at ${port.baudRate} baud`,
    // 8N1: ten bit times per byte.
    bytesPerSecond: port.baudRate / 10,
    closeStream: () =>
      new Promise<void>((resolve, reject) => {
        if (!port.isOpen) return resolve()
        port.close((error) => (error ? reject(error) : resolve()))
      })
  })
}

/** Opens the serial port at `path` (8N1). USB CDC devices ignore the baud rate. */
export async function openSerialTransport(path: string, options: { baudRate?: number } = {}): Promise<Transport> {
  const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE
  if (!Number.isInteger(baudRate) || baudRate <= 0)
    throw new RangeError(`baud rate must be a positive integer, got ${baudRate}`)
  const portOptions: SerialPortOpenOptions<typeof SerialPort.binding> = {
    path,
    baudRate,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    autoOpen: false
  }
  // SerialPort's options leave `binding` out of their type, but its constructor honours one.
  return serialPortTransport(new SerialPort({ ...portOptions, binding: hangupAwareBinding } as typeof portOptions))
}

/** Connects to `host:port` over TCP (the simulator's --tcp mode). */
export function openTcpTransport(
  host: string,
  port: number,
  options: { connectTimeoutMs?: number } = {}
): Promise<Transport> {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return Promise.reject(new RangeError(`TCP port must be an integer 1..65535, got ${port}`))
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000
  const description = `tcp://${host}:${port}`
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`cannot connect to ${description}: no answer within ${connectTimeoutMs / 1000} s`))
    }, connectTimeoutMs)
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`cannot connect to ${description}: ${error.message}`))
    })
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      // Commands are short lines; do not let Nagle hold them back.
      socket.setNoDelay(true)
      resolve(duplexTransport(socket, { description }))
    })
  })
}

/** The parts of an address: `tcp://host:port`, otherwise a serial port path. */
export type InstrumentAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'serial'; path: string }

export function parseAddress(address: string): InstrumentAddress {
  const trimmed = address.trim()
  if (trimmed === '') throw new RangeError('instrument address is empty: give a serial port path or tcp://host:port')
  if (!/^tcp:\/\//i.test(trimmed)) return { kind: 'serial', path: trimmed }
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/i.exec(trimmed)
  if (!match) throw new RangeError(`instrument address ${JSON.stringify(address)} is not tcp://host:port`)
  const host = match[1]!.replace(/^\[|\]$/g, '')
  return { kind: 'tcp', host, port: Number(match[2]) }
}

/** Opens `tcp://host:port` or a serial port path. */
export function openTransport(
  address: string,
  options: { baudRate?: number; connectTimeoutMs?: number } = {}
): Promise<Transport> {
  const parsed = parseAddress(address)
  return parsed.kind === 'tcp'
    ? openTcpTransport(parsed.host, parsed.port, options)
    : openSerialTransport(parsed.path, options)
}

export interface SerialPortListing {
  path: string
  manufacturer?: string
  serialNumber?: string
  /** USB vendor id, lower-case hex without 0x (e.g. `2e8a`), when the port is a USB device. */
  vendorId?: string
  productId?: string
}

/** The serial ports of this machine (`SerialPort.list()`); `lister` is for tests. */
export async function listSerialPorts(
  lister: () => Promise<Awaited<ReturnType<typeof SerialPort.list>>> = SerialPort.list
): Promise<SerialPortListing[]> {
  const ports = await lister()
  return ports.map((port) => {
    const listing: SerialPortListing = { path: port.path }
    if (port.manufacturer) listing.manufacturer = port.manufacturer
    if (port.serialNumber) listing.serialNumber = port.serialNumber
    if (port.vendorId) listing.vendorId = port.vendorId.toLowerCase().replace(/^0x/, '')
    if (port.productId) listing.productId = port.productId.toLowerCase().replace(/^0x/, '')
    return listing
  })
}

/** Ports whose USB ids match (hex, any case, with or without 0x); an omitted id matches anything. */
export function filterByUsbId(
  ports: readonly SerialPortListing[],
  ids: { vendorId?: string; productId?: string }
): SerialPortListing[] {
  const norm = (id: string | undefined) => id?.toLowerCase().replace(/^0x/, '')
  const vendorId = norm(ids.vendorId)
  const productId = norm(ids.productId)
  return ports.filter(
    (port) =>
      (vendorId === undefined || port.vendorId === vendorId) &&
      (productId === undefined || port.productId === productId)
  )
}
