/**
 * runs:bundle-export and runs:bundle-import through the request handler, between two app
 * instances on their own temp data folders: the bundle as data, a second import adding nothing,
 * and refusals (bad requests, a running run, a damaged bundle) as error envelopes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { RunBundleFile, RunBundleImport } from '../../src-shared/ipc/run-sharing'
import { recordGeneration, sampleRun } from '../store/test-fixtures'
import { createRequestHandler } from './request-handler'
import { servicesOnTempFolder } from './test-support'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function app() {
  const env = await servicesOnTempFolder()
  cleanups.push(env.cleanup)
  return { services: env.services, handle: createRequestHandler(env.services) }
}

describe('run bundle channels', () => {
  it('export a run from one app and import it into another, once', async () => {
    const a = await app()
    const b = await app()
    const runId = a.services.runs.createRun(sampleRun({ modelId: 'demo-surrogate' }))
    recordGeneration(
      a.services.runs,
      runId,
      {
        generation: 1,
        bestFitness: 2,
        bestCorrelation: 0.5,
        bestSoFarFitness: 2,
        bestSoFarCorrelation: 0.5,
        bestGenome: [1]
      },
      null,
      { generation: 1 }
    )
    a.services.runs.finishRun(runId, 'completed')
    a.services.history.annotate(runId, { addTags: ['shared'] })

    const exported = await a.handle('runs:bundle-export', { runIds: [runId] })
    expect(exported).toMatchObject({ ok: true, value: { fileName: `dnpu-run-${runId}.dnpurun`, runCount: 1 } })
    const file = (exported as { value: RunBundleFile }).value

    const request = { fileName: file.fileName, contentBase64: file.contentBase64 }
    const first = await b.handle('runs:bundle-import', request)
    expect(first).toMatchObject({ ok: true, value: { runsAdded: 1, runsAlreadyPresent: 0 } })
    const imported = (first as { value: RunBundleImport }).value.runs[0]!
    expect(b.services.runReader.get(imported.runId)).toMatchObject({
      tags: ['shared'],
      steps: 1,
      modelId: 'demo-surrogate'
    })

    expect(await b.handle('runs:bundle-import', request)).toEqual({
      ok: true,
      value: {
        runs: [{ ...imported, added: false }],
        runsAdded: 0,
        runsAlreadyPresent: 1,
        modelsAdded: 0,
        modelsAlreadyPresent: 0,
        calibrationsAdded: 0,
        calibrationsAlreadyPresent: 0,
        notes: []
      }
    })
  })

  it('refuse bad requests, a running run and a damaged bundle, naming the problem', async () => {
    const { services, handle } = await app()
    const running = services.runs.createRun(sampleRun())
    const refusals = await Promise.all([
      handle('runs:bundle-export', { runIds: [] }),
      handle('runs:bundle-export', { runIds: [running] }),
      handle('runs:bundle-export', { runIds: [4242] }),
      handle('runs:bundle-import', { fileName: 'x.dnpurun', contentBase64: 'not base64!' }),
      handle('runs:bundle-import', {
        fileName: 'x.dnpurun',
        contentBase64: Buffer.from('PK\u0003\u0004 cut').toString('base64')
      })
    ])
    expect(refusals.map((refusal) => (refusal.ok ? 'ok' : refusal.error))).toEqual([
      expect.stringMatching(/^runs:bundle-export: invalid request: runIds: select at least one run/),
      `runs:bundle-export: run #${running} is still running: stop it or wait for its end`,
      'runs:bundle-export: run #4242: there is no such run',
      expect.stringMatching(/^runs:bundle-import: invalid request: contentBase64: expected base64/),
      expect.stringMatching(
        /^runs:bundle-import: x\.dnpurun: not a readable run bundle: the zip archive is truncated or damaged/
      )
    ])
  })
})
