// Test helper, preloaded with `node --import` in front of the CLI: when the process exits, write
// its peak resident set size (kB, process.resourceUsage().maxRSS: the whole process, its worker
// threads included) to the file named by DNPU_PEAK_RSS_FILE. A process that aborts writes nothing.
import { writeFileSync } from 'node:fs'

const target = process.env.DNPU_PEAK_RSS_FILE
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)))
