import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const script = join(import.meta.dirname, 'check-doc-references.mjs')
const folders: string[] = []

/** A throwaway repo holding `files` (path -> text), with a docs/architecture.md that has two rules. */
function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'doc-references-'))
  folders.push(root)
  const all: Record<string, string> = {
    'docs/architecture.md':
      '# Architecture\n\n## Rules of the house\n\n1. Core imports no Electron.\n2. One contract.\n\n## Decisions\n',
    ...files
  }
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

function check(root: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [script, root], { encoding: 'utf8' })
  return { status: result.status, stderr: result.stderr }
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

describe('check-doc-references', () => {
  it('passes when every cited document, heading and rule exists', () => {
    const root = repoWith({
      'README.md':
        '# Tool\n\n## Safety\n\nSee [the architecture](docs/architecture.md) and https://example.org/OTHER.md.\n',
      'src-main/core/a.ts':
        '// Layering: docs/architecture.md, rule 1; README.md "Safety".\nexport const file = join(root, \'missing.md\')\n',
      'src-main/core/README.md': 'Relative to this folder: `a.ts`; and the root one, README.md.\n',
      'src-main/core/a.test.ts':
        "// A test may hold broken citations in strings.\nexport const example = 'see DESIGN.md rule 1'\n"
    })
    expect(check(root)).toEqual({ status: 0, stderr: '' })
  })

  it('fails on a comment citing a document that is not in the repo, naming file and line', () => {
    const root = repoWith({ 'src-main/core/a.ts': 'export const x = 1\n/** The layering of DESIGN.md rule 1. */\n' })
    const { status, stderr } = check(root)
    expect(status).toBe(1)
    expect(stderr).toContain('src-main/core/a.ts:2: cites DESIGN.md, which is not in the repo')
  })

  it('fails on a lint message, a docs/ path, a missing heading and a missing rule', () => {
    const root = repoWith({
      'eslint-rules/rule.js': "export const why = 'core stays pure (PROTOCOL.md rule 1)'\n",
      'README.md':
        '# Tool\n\nSee docs/nowhere.md and docs/architecture.md "Glossary", and docs/architecture.md, rule 3.\n'
    })
    const { status, stderr } = check(root)
    expect(status).toBe(1)
    expect(stderr).toContain('eslint-rules/rule.js:1: cites PROTOCOL.md, which is not in the repo')
    expect(stderr).toContain('README.md:3: cites docs/nowhere.md, which is not in the repo')
    expect(stderr).toContain('README.md:3: cites section "Glossary" of docs/architecture.md, which has no such heading')
    expect(stderr).toContain('README.md:3: cites rule 3 of docs/architecture.md')
    expect(stderr).toContain('4 citations of documents that are not in the repo')
  })
})
