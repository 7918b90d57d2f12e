import { ESLint } from 'eslint'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')
const eslint = new ESLint({ cwd: root })

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) })
  return result.messages
    .filter((m) => m.ruleId === 'local/layering' || m.ruleId === 'local/raw-ipc')
    .map((m) => m.message)
}

describe('layering lint rule (docs/architecture.md, rules 1-4)', () => {
  it.each([
    "import 'electron'",
    "import Database from 'better-sqlite3'",
    "import { SerialPort } from 'serialport'",
    "import { WebSocket } from 'ws'",
    "import { readFileSync } from 'node:fs'",
    "import { RunsRepository } from '../store'",
    "import { x } from '../../src-shared/ipc'"
  ])('fails core importing: %s', async (line) => {
    const errors = await layeringErrors('src-main/core/some-module.ts', `${line}\nexport const y = 1\n`)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^src-main\/core may not import/)
  })

  it('lets core import the shared domain, not the IPC contract', async () => {
    expect(
      await layeringErrors(
        'src-main/core/x.ts',
        "import { SAFE_RANGE_VOLTS } from '../../src-shared/domain'\nexport { SAFE_RANGE_VOLTS }\n"
      )
    ).toEqual([])
    const errors = await layeringErrors(
      'src-main/core/x.ts',
      "import { channels } from '../../src-shared/ipc/channels'\nexport { channels }\n"
    )
    expect(errors).toEqual([expect.stringMatching(/^src-main\/core may not import src-shared\/ipc\/channels/)])
  })

  it('keeps the shared domain plain: no contract, no packages', async () => {
    expect(
      await layeringErrors('src-shared/domain/x.ts', "import { channels } from '../ipc'\nexport { channels }\n")
    ).toHaveLength(1)
    expect(await layeringErrors('src-shared/domain/x.ts', "import { z } from 'zod'\nexport { z }\n")).toHaveLength(1)
  })

  it('lets the preload ship only the method names: no schemas, no zod', async () => {
    expect(
      await layeringErrors(
        'src-preload/x.ts',
        "import { API_METHODS } from '../src-shared/ipc/api-methods'\nexport { API_METHODS }\n"
      )
    ).toEqual([])
    expect(
      await layeringErrors('src-preload/x.ts', "import { channels } from '../src-shared/ipc'\nexport { channels }\n")
    ).toHaveLength(1)
    expect(await layeringErrors('src-preload/x.ts', "import { z } from 'zod'\nexport { z }\n")).toHaveLength(1)
  })

  it('lets core import core and tfjs', async () => {
    expect(
      await layeringErrors(
        'src-main/core/ga/x.ts',
        "import { Rng } from '../rng'\nimport * as tf from '@tensorflow/tfjs'\nexport { Rng, tf }\n"
      )
    ).toEqual([])
  })

  it('keeps electron out of store and ipcMain out of services', async () => {
    expect(
      await layeringErrors('src-main/store/x.ts', "import { app } from 'electron'\nexport { app }\n")
    ).toHaveLength(1)
    expect(
      await layeringErrors('src-main/services/x.ts', "import { ipcMain } from 'electron'\nexport { ipcMain }\n")
    ).not.toHaveLength(0)
  })

  it('keeps the renderer behind the contract', async () => {
    expect(
      await layeringErrors(
        'src-renderer/src/x.ts',
        "import { openDatabase } from '../../src-main/store'\nexport { openDatabase }\n"
      )
    ).toHaveLength(1)
    expect(
      await layeringErrors(
        'src-renderer/src/x.ts',
        "import { API_METHODS } from '../../src-shared/ipc'\nexport { API_METHODS }\n"
      )
    ).toEqual([])
  })
})
