import { describe, expect, it } from 'vitest'
import { openDatabase } from './database'
import { ModelsRepository } from './models-repository'
import { RunsRepository } from './runs-repository'
import { sampleRun } from './test-fixtures'

function model(sha: string) {
  return {
    name: ` Chip ${sha} `,
    sourceFileName: `${sha}.pt`,
    sourceSha256: sha,
    definition: { layers: [1] },
    warnings: ['w']
  }
}

describe('ModelsRepository', () => {
  it('adds, lists, finds by hash, renames, edits notes', async () => {
    const db = await openDatabase(':memory:')
    const models = new ModelsRepository(db)
    const added = models.add(model('aa'))
    expect(added).toMatchObject({
      id: '1',
      name: 'Chip aa',
      notes: '',
      sourceFileName: 'aa.pt',
      definition: { layers: [1] },
      warnings: ['w']
    })
    models.add(model('bb'))
    expect(models.list().map((m) => m.id)).toEqual(['1', '2'])
    expect(models.findBySha256('bb')?.id).toBe('2')
    expect(models.get('demo')).toBeNull()
    expect(models.rename('1', 'Sample 7').name).toBe('Sample 7')
    expect(() => models.rename('1', '  ')).toThrow('name: a model needs a name')
    expect(() => models.rename('9', 'x')).toThrow('id: no imported model 9')
    expect(() => models.add(model('aa'))).toThrow(/UNIQUE/)
    expect(models.setNotes('1', 'chip 7, 77 K, measured 2026-11-02').notes).toBe('chip 7, 77 K, measured 2026-11-02')
    expect(models.get('1')).toMatchObject({ name: 'Sample 7', notes: 'chip 7, 77 K, measured 2026-11-02' })
    expect(() => models.setNotes('9', 'x')).toThrow('id: no imported model 9')
    db.close()
  })

  it('refuses to delete a model a run refers to, and leaves it intact', async () => {
    const db = await openDatabase(':memory:')
    const models = new ModelsRepository(db)
    const runs = new RunsRepository(db)
    const used = models.add(model('aa'))
    const unused = models.add(model('bb'))
    const runId = runs.createRun({ ...sampleRun(), modelId: used.id })
    expect(() => models.delete(used.id)).toThrow(
      `model 1 is used by run ${runId}: it cannot be deleted while runs refer to it`
    )
    expect(models.get(used.id)).toEqual(used)
    models.delete(unused.id)
    expect(models.get(unused.id)).toBeNull()
    expect(() => models.delete('demo')).toThrow('id: no imported model demo')
    db.close()
  })
})
