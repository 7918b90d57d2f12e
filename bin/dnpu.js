#!/usr/bin/env node
// Launcher of the `dnpu` CLI: the CLI itself is built with the app (npm install runs the build).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js')
if (!existsSync(cli)) {
  process.stderr.write(`dnpu: the app is not built yet (${cli} is missing). Run: npm run build\n`)
  process.exit(1)
}
await import(pathToFileURL(cli).href)
