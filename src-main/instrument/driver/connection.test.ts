import { describe, expect, it } from 'vitest'
import * as commands from '../protocol/commands'
import { ProtocolError } from '../protocol/errors'
import { Connection, ConnectionUnusableError, InstrumentTimeoutError, formatSeconds } from './connection'
import { ScriptedTransport, query } from './scripted-transport'

describe('Connection', () => {
  it('answers queued queries in order, whatever the chunking', async () => {
    const transport = new ScriptedTransport([
      { host: '*IDN?\n', reply: ['A,B,', 'C,D\n'] },
      { host: 'SYST:ERR?\n', reply: '0,"No error"\n', bytewise: true },
      query('READ?', '0.5')
    ])
    const connection = new Connection(transport)
    const answers = await Promise.all([
      connection.queryText(commands.identify()),
      connection.queryText(commands.nextError()),
      connection.queryText(commands.readDc())
    ])
    expect(answers).toEqual(['A,B,C,D', '0,"No error"', '0.5'])
    transport.assertDone()
  })

  it('times out, rejects queued work naming its command and the cause, and retries nothing', async () => {
    const transport = new ScriptedTransport([{ host: '*IDN?\n' }])
    const connection = new Connection(transport, { commandTimeoutMs: 50 })
    const first = connection.queryText(commands.identify()).catch((e: unknown) => e)
    const queued = connection.send(commands.clearStatus()).catch((e: unknown) => e)
    expect(await first).toEqual(new InstrumentTimeoutError('instrument did not answer "*IDN?" within 0.05 s'))
    const queuedError = await queued
    expect(queuedError).toBeInstanceOf(ConnectionUnusableError)
    expect((queuedError as Error).message).toBe(
      '"*CLS" not sent: the connection failed earlier: instrument did not answer "*IDN?" within 0.05 s'
    )
    expect(connection.state).toBe('failed')
    // Nothing but the first command went out.
    expect(new TextDecoder().decode(transport.written)).toBe('*IDN?\n')
  })

  it('ignores a late answer after a timeout instead of handing it to the next command', async () => {
    const transport = new ScriptedTransport([{ host: '*IDN?\n' }])
    const connection = new Connection(transport, { commandTimeoutMs: 30 })
    await expect(connection.queryText(commands.identify())).rejects.toThrow(InstrumentTimeoutError)
    transport.inject('A,B,C,D\n')
    await transport.settled()
    expect(connection.failureReason).toBeInstanceOf(InstrumentTimeoutError)
  })

  it('takes unsolicited bytes as a protocol error', async () => {
    const transport = new ScriptedTransport([])
    const connection = new Connection(transport)
    transport.inject('1\n')
    await transport.settled()
    expect(connection.state).toBe('failed')
    expect(connection.failureReason).toEqual(
      new ProtocolError('unsolicited bytes from the instrument while no query was waiting: "1\\n"')
    )
    await expect(connection.send(commands.abort())).rejects.toThrow(
      /"ABOR" not sent: the connection failed earlier: unsolicited bytes/
    )
  })

  it('takes a second answer line to one query as a protocol error', async () => {
    const transport = new ScriptedTransport([{ host: '*OPC?\n', reply: '1\n1\n' }])
    const connection = new Connection(transport)
    await expect(connection.queryText(commands.operationComplete())).resolves.toBe('1')
    await transport.settled()
    expect(connection.failureReason?.message).toBe(
      'unsolicited answer from the instrument while no query was waiting: text "1"'
    )
  })

  it('fails on an answer line that never ends', async () => {
    const transport = new ScriptedTransport([{ host: 'READ?\n', reply: 'x'.repeat(70_000) }])
    const connection = new Connection(transport)
    await expect(connection.queryText(commands.readDc())).rejects.toThrow(
      /answer to "READ\?" is a line longer than 65536 bytes/
    )
    expect(connection.state).toBe('failed')
  })

  it('refuses everything on a transport that is already closed', async () => {
    const transport = new ScriptedTransport([])
    await transport.close()
    const connection = new Connection(transport)
    expect(connection.state).toBe('failed')
    await expect(connection.queryText(commands.identify())).rejects.toThrow(
      '"*IDN?" not sent: the connection failed earlier: scripted transport is closed'
    )
  })

  it('close() rejects the query in flight and closes the transport', async () => {
    const transport = new ScriptedTransport([{ host: '*OPC?\n' }])
    const connection = new Connection(transport)
    const waiting = connection.queryText(commands.operationComplete()).catch((e: unknown) => e)
    await new Promise((resolve) => setImmediate(resolve))
    await connection.close()
    expect(((await waiting) as Error).message).toBe('the connection to scripted transport was closed')
    expect(connection.state).toBe('closed')
    expect(transport.isOpen).toBe(false)
  })

  it('formats seconds for messages', () => {
    expect(formatSeconds(12_500)).toBe('12.5')
    expect(formatSeconds(2000)).toBe('2')
    expect(formatSeconds(423.0000001)).toBe('0.423')
  })
})
