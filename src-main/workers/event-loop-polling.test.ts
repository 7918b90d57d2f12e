import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { pollEventLoop } from './event-loop-polling'

/** The share of a `ms` window this thread's event loop spent not sleeping. */
async function utilizationOver(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization()
  await sleep(ms)
  return performance.eventLoopUtilization(start).utilization
}

describe('pollEventLoop', () => {
  it('keeps the event loop from sleeping for the given time, then lets it sleep', async () => {
    expect(await utilizationOver(60)).toBeLessThan(0.5)
    pollEventLoop(200)
    expect(await utilizationOver(60)).toBeGreaterThan(0.5)
    await sleep(200) // the polling has run out
    expect(await utilizationOver(60)).toBeLessThan(0.5)
  })

  it('stops early when told to', async () => {
    const stop = pollEventLoop(10_000)
    expect(await utilizationOver(40)).toBeGreaterThan(0.5)
    stop()
    await sleep(10)
    expect(await utilizationOver(60)).toBeLessThan(0.5)
  })
})
