/**
 * A child process for the concurrent-open test: it loads the store once, says `ready`, then for
 * each database path it reads on stdin opens that database (creating and migrating it), lists its
 * runs, closes it and answers `ok` or `error <message>`, one line each.
 *
 * The test bundles this file (Node 20 cannot run TypeScript) and starts several of them; writing
 * one path to all of them at once is the barrier that makes them open the same new file together.
 */
import { createInterface } from 'node:readline'
import { openDatabase } from '../database'
import { RunsRepository } from '../runs-repository'

async function openAndList(filePath: string): Promise<string> {
  try {
    const db = await openDatabase(filePath)
    try {
      new RunsRepository(db).listRuns()
    } finally {
      db.close()
    }
    return 'ok'
  } catch (error) {
    return `error ${(error instanceof Error ? error.message : String(error)).replace(/\n/g, ' ')}`
  }
}

const lines = createInterface({ input: process.stdin })
process.stdout.write('ready\n')
for await (const line of lines) {
  if (line.trim() === '') continue
  process.stdout.write(`${await openAndList(line.trim())}\n`)
}
