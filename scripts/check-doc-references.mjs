#!/usr/bin/env node
/**
 * Fails when a comment or a document cites a document that is not in the repo: a `*.md` file or
 * a `docs/...` path that does not exist, a heading quoted right after a cited `.md` file
 * (`docs/instrument-protocol.md "Framing"`) that the file does not have, or a rule of the house
 * (`docs/architecture.md, rule N`) that is not in its list. A clone must be able to follow
 * every citation; documents kept outside the repo (a design brief, a reference) are not there.
 *
 * Usage: node scripts/check-doc-references.mjs [root]   (default: this repo)
 *
 * Read: the Markdown files at the root and under the source folders, whole; in code files
 * (.ts, .js, .mjs, .cjs, .svelte), the comments, and outside tests the string literals too (lint
 * messages cite rules). In test files only the comments: their strings hold broken citations on
 * purpose.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const FOLDERS = [
  'src-main',
  'src-shared',
  'src-renderer',
  'src-preload',
  'e2e',
  'scripts',
  'eslint-rules',
  'docs',
  'bin'
]
const SKIPPED_FOLDERS = new Set([
  'node_modules',
  'out',
  '.git',
  '__fixtures__',
  'test-results',
  'playwright-report',
  '.artifacts'
])
const CODE_EXTENSIONS = ['.ts', '.js', '.mjs', '.cjs', '.svelte']
const RULES_HEADING = 'Rules of the house'

/** A cited path: `*.md` anywhere, or anything under `docs/`. Not part of a longer word or URL. */
const CITATION = /(?<![\w./@:-])((?:\.{1,2}\/)?(?:[\w.-]+\/)*[\w-]+\.md\b|docs\/[\w./-]*[\w-])(?:\s*,?\s*"([^"\n]+)")?/g
const RULE_CITATION = /architecture\.md,\s*rules?\s+(\d+)(?:\s*-\s*(\d+))?/g

function listFiles(root) {
  const files = readdirSync(root)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, name))
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      if (SKIPPED_FOLDERS.has(name)) continue
      const path = join(folder, name)
      const stats = statSync(path)
      if (stats.isDirectory()) walk(path)
      else if (name.endsWith('.md') || CODE_EXTENSIONS.some((extension) => name.endsWith(extension))) files.push(path)
    }
  }
  for (const folder of FOLDERS) if (existsSync(join(root, folder))) walk(join(root, folder))
  return files
}

/**
 * The parts worth checking, each as the file's text with everything else blanked (so line
 * numbers stay right): comments (line, block and HTML) always, and outside tests the string
 * literals, where a literal that is nothing but a file name is no citation (an argument of
 * join()), but a lint message that cites a document is.
 */
function citableParts(path, text) {
  if (path.endsWith('.md')) return [{ text, isStrings: false }]
  const isTest = /\.(test|spec)\.[cm]?[jt]s$/.test(path)
  const inComment = new Uint8Array(text.length)
  const inString = new Uint8Array(text.length)
  const pattern =
    /\/\/[^\n]*|\/\*[\s\S]*?\*\/|<!--[\s\S]*?-->|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g
  for (const match of text.matchAll(pattern)) {
    const mask = /^['"`]/.test(match[0]) ? inString : inComment
    mask.fill(1, match.index, match.index + match[0].length)
  }
  const keep = (mask) => Array.from(text, (character, i) => (mask[i] || character === '\n' ? character : ' ')).join('')
  const parts = [{ text: keep(inComment), isStrings: false }]
  if (!isTest) parts.push({ text: keep(inString), isStrings: true })
  return parts
}

function headingsOf(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6}\s/.test(line))
    .map((line) => line.replace(/^#+\s*/, '').trim())
}

function houseRuleNumbers(architecturePath) {
  const text = readFileSync(architecturePath, 'utf8')
  const start = text.indexOf(`## ${RULES_HEADING}`)
  if (start < 0) return new Set()
  const section = text.slice(start).split(/\n## /)[0]
  return new Set(Array.from(section.matchAll(/^(\d+)\.\s/gm), (match) => Number(match[1])))
}

/** Where a cited path may point: the repo root, or the citing file's folder. */
function resolveCitation(root, citingFile, cited) {
  const clean = cited.replace(/\/$/, '')
  const candidates = cited.startsWith('.')
    ? [resolve(dirname(citingFile), clean)]
    : [join(root, clean), join(dirname(citingFile), clean)]
  return candidates.find((candidate) => existsSync(candidate) && (candidate + sep).startsWith(root + sep)) ?? null
}

export function checkDocReferences(rootPath) {
  const root = resolve(rootPath)
  const problems = []
  const architecture = join(root, 'docs', 'architecture.md')
  const ruleNumbers = existsSync(architecture) ? houseRuleNumbers(architecture) : new Set()
  for (const file of listFiles(root)) {
    for (const part of citableParts(file, readFileSync(file, 'utf8'))) {
      const text = part.text.replace(/\b[a-z][\w+.-]*:\/\/\S+/gi, (url) => ' '.repeat(url.length))
      const where = (index) => `${relative(root, file).split(sep).join('/')}:${text.slice(0, index).split('\n').length}`
      for (const match of text.matchAll(CITATION)) {
        const [, cited, heading] = match
        const before = text[match.index - 1]
        if (part.isStrings && /['"`]/.test(before ?? '') && text[match.index + cited.length] === before) continue
        const target = resolveCitation(root, file, cited)
        if (!target) {
          problems.push(`${where(match.index)}: cites ${cited}, which is not in the repo`)
          continue
        }
        if (heading && target.endsWith('.md') && !headingsOf(target).includes(heading)) {
          problems.push(`${where(match.index)}: cites section "${heading}" of ${cited}, which has no such heading`)
        }
      }
      for (const match of text.matchAll(RULE_CITATION)) {
        const first = Number(match[1])
        const last = match[2] === undefined ? first : Number(match[2])
        for (let rule = first; rule <= last; rule++) {
          if (!ruleNumbers.has(rule))
            problems.push(
              `${where(match.index)}: cites rule ${rule} of docs/architecture.md, which "${RULES_HEADING}" does not have`
            )
        }
      }
    }
  }
  return problems
}

// Run as a command (npm run lint), not when a test imports it.
if (resolve(process.argv[1] ?? '') === import.meta.filename) {
  const root = process.argv[2] ?? join(import.meta.dirname, '..')
  const problems = checkDocReferences(root)
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) {
    console.error(
      `${problems.length} citation${problems.length === 1 ? '' : 's'} of documents that are not in the repo`
    )
    process.exit(1)
  }
}
