import { createServer, type Server, type Socket } from 'node:net'
import { SerialPortMock } from 'serialport'
import { afterEach, describe, expect, it } from 'vitest'
import { InstrumentError } from '../protocol/errors'
import { PortClosedError } from './connection'
import { InstrumentDriver } from './instrument-driver'
import {
  filterByUsbId,
  listSerialPorts,
  openTcpTransport,
  openTransport,
  parseAddress,
  serialPortTransport
} from './transport'

type Answers = Record<string, string | null | (() => string | null)>

/** A scripted instrument on loopback: answers each line from `answers`, or closes on `null`. */
function tcpInstrument(answers: Answers): Promise<{ server: Server; port: number; lines: string[] }> {
  const lines: string[] = []
  const server = createServer((socket: Socket) => {
    let buffered = ''
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      let newline: number
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        lines.push(line)
        const entry = answers[line]
        const answer = typeof entry === 'function' ? entry() : entry
        if (answer === null) socket.destroy()
        else if (answer !== undefined) socket.write(answer)
      }
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, lines }))
  )
}

const CONNECT_ANSWERS: Answers = {
  '*IDN?': 'DNPU-SIM,DAQ-7x1,SIM0001,1.0.0\n',
  'SOUR:CHAN:COUN?': '7\n',
  'SENS:CHAN:COUN?': '1\n',
  'SOUR:VOLT:ABS?': '-1.6,1.6\n',
  'SENS:VOLT:RANG?': '-4,4\n',
  'SOUR:FREQ:MAX?': '50000\n',
  'SENS:FREQ:MAX?': '100000\n',
  'WAV:POIN:MAX?': '65536\n',
  'SOUR:VOLT:SLEW?': '10\n',
  '*OPC?': '1\n'
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

describe('TCP transport', () => {
  it('connects the driver to an instrument over tcp://127.0.0.1:PORT', async () => {
    const { server, port, lines } = await tcpInstrument({
      ...CONNECT_ANSWERS,
      'SYST:ERR?': '0,"No error"\n',
      'READ?': '0.25\n'
    })
    servers.push(server)
    const driver = await InstrumentDriver.connect(await openTransport(`tcp://127.0.0.1:${port}`), {
      dacRateHz: 1000,
      adcRateHz: 1000,
      averaging: true
    })
    expect(driver.identity.serial).toBe('SIM0001')
    expect(driver.capabilities.activationChannels).toBe(7)
    expect(await driver.readDc()).toEqual({ readoutVolts: [0.25], saturated: false })
    expect(lines).toContain('SOUR:VOLT:LIM 6,-1.6,1.6')
    await driver.close()
    expect(driver.state).toBe('closed')
    // close() aborts first: outputs to 0 V, confirmed, queue drained.
    expect(lines.slice(-3)).toEqual(['ABOR', '*OPC?', 'SYST:ERR?'])
  })

  it('reports queued errors read over TCP, and the server closing mid-command', async () => {
    let errorReads = 0
    const { server, port } = await tcpInstrument({
      ...CONNECT_ANSWERS,
      // The first drain finds -224, every later read an empty queue.
      'SYST:ERR?': () => (errorReads++ === 0 ? '-224,"Illegal parameter value"\n' : '0,"No error"\n'),
      'READ?': null
    })
    servers.push(server)
    const failure = await InstrumentDriver.connect(await openTcpTransport('127.0.0.1', port), {
      dacRateHz: 1000,
      adcRateHz: 1000,
      averaging: true
    }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(InstrumentError)
    expect((failure as Error).message).toContain('-224 "Illegal parameter value"')

    const driver = await InstrumentDriver.connect(await openTcpTransport('127.0.0.1', port), {
      dacRateHz: 1000,
      adcRateHz: 1000,
      averaging: true
    })
    const error = await driver.readDc().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PortClosedError)
    expect((error as Error).message).toBe(`tcp://127.0.0.1:${port} closed while waiting for the answer to "READ?"`)
    expect(driver.state).toBe('failed')
    await driver.close()
  })

  it('says when nothing listens', async () => {
    const { server, port } = await tcpInstrument({})
    await new Promise((resolve) => server.close(resolve))
    await expect(openTcpTransport('127.0.0.1', port)).rejects.toThrow(
      new RegExp(`cannot connect to tcp://127.0.0.1:${port}: .*ECONNREFUSED`)
    )
  })
})

describe('serial transport', () => {
  it('moves bytes both ways through a serial port (mock binding) and reports its baud rate', async () => {
    SerialPortMock.binding.createPort('/dev/ttyMOCK0', { record: true })
    const port = new SerialPortMock({ path: '/dev/ttyMOCK0', baudRate: 115200, autoOpen: false })
    const transport = await serialPortTransport(port)
    expect(transport.description).toBe('/dev/ttyMOCK0 at 115200 baud')
    expect(transport.bytesPerSecond).toBe(11520)
    const received: string[] = []
    transport.onData((bytes) => received.push(new TextDecoder().decode(bytes)))
    await transport.write(new TextEncoder().encode('*IDN?\n'))
    port.port!.emitData('A,B,C,D\n')
    for (let turn = 0; turn < 100 && received.join('') !== 'A,B,C,D\n'; turn++)
      await new Promise((resolve) => setTimeout(resolve, 1))
    expect(received.join('')).toBe('A,B,C,D\n')
    await transport.close()
    expect(transport.isOpen).toBe(false)
    SerialPortMock.binding.reset()
  })

  it('lists ports with normalised USB ids and filters them', async () => {
    const ports = await listSerialPorts(async () => [
      {
        path: '/dev/ttyACM0',
        manufacturer: 'Raspberry Pi',
        serialNumber: 'E66',
        pnpId: undefined,
        locationId: undefined,
        vendorId: '2E8A',
        productId: '000a'
      },
      {
        path: '/dev/ttyS0',
        manufacturer: undefined,
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        vendorId: undefined,
        productId: undefined
      }
    ])
    expect(ports).toEqual([
      { path: '/dev/ttyACM0', manufacturer: 'Raspberry Pi', serialNumber: 'E66', vendorId: '2e8a', productId: '000a' },
      { path: '/dev/ttyS0' }
    ])
    expect(filterByUsbId(ports, { vendorId: '0x2E8A' }).map((p) => p.path)).toEqual(['/dev/ttyACM0'])
    expect(filterByUsbId(ports, { vendorId: '2e8a', productId: '0003' })).toEqual([])
  })

  it('parses instrument addresses', () => {
    expect(parseAddress('tcp://127.0.0.1:5025')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 5025 })
    expect(parseAddress('tcp://[::1]:5025')).toEqual({ kind: 'tcp', host: '::1', port: 5025 })
    expect(parseAddress('/dev/ttyACM0')).toEqual({ kind: 'serial', path: '/dev/ttyACM0' })
    expect(parseAddress('COM3')).toEqual({ kind: 'serial', path: 'COM3' })
    expect(() => parseAddress('tcp://localhost')).toThrow('instrument address "tcp://localhost" is not tcp://host:port')
    expect(() => parseAddress(' ')).toThrow(/empty/)
  })
})
