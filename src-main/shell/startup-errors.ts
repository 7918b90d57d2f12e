/**
 * What a user sees when the app cannot start. Started from a desktop icon there is no console:
 * the dialog is all they get, so it says in plain words what kind of failure it is and what to
 * do, then the exact message, then where the log file is.
 */

export type StartupFailureKind = 'native-module' | 'database' | 'port-in-use' | 'other'

export interface StartupErrorDialog {
  kind: StartupFailureKind
  title: string
  message: string
}

interface ErrorLike {
  name?: unknown
  message?: unknown
  code?: unknown
  reason?: unknown
  cause?: unknown
}

/** The error and its causes, outermost first (the store wraps the driver's error in its own). */
function errorChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = []
  let current: unknown = error
  while (typeof current === 'object' && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current as ErrorLike)
    current = (current as ErrorLike).cause
  }
  return chain
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'object' && error !== null && typeof (error as ErrorLike).message === 'string') {
    return (error as { message: string }).message
  }
  return String(error)
}

const NATIVE_MODULE_MESSAGES = [
  /was compiled against a different Node\.js version/i,
  /NODE_MODULE_VERSION/,
  /Cannot find module/i,
  /Could not locate the bindings file/i,
  /\.node: (cannot open shared object file|invalid ELF header|wrong ELF class)/i,
  /is not a valid Win32 application/i,
  /\bdlopen\b/i
]

function isNativeModuleFailure(link: ErrorLike): boolean {
  if (link.code === 'ERR_DLOPEN_FAILED' || link.code === 'MODULE_NOT_FOUND') return true
  const message = typeof link.message === 'string' ? link.message : ''
  return NATIVE_MODULE_MESSAGES.some((pattern) => pattern.test(message))
}

/** `better-sqlite3` from a message naming its module or its `.node` file, else null. */
function nativeModuleName(message: string): string | null {
  const missing = /Cannot find module '([^']+)'/.exec(message)
  if (missing) return missing[1]
  if (/better[-_]sqlite3/i.test(message)) return 'better-sqlite3'
  if (/serialport|bindings-cpp/i.test(message)) return 'serialport'
  if (/tfjs|tensorflow/i.test(message)) return '@tensorflow/tfjs-node'
  return null
}

const DATABASE_HEADLINES: Record<string, string> = {
  damaged: 'The database file is damaged. DNPU Lab did not open it and left it as it is.',
  'not-dnpu-lab': 'The database file in the data folder is not a DNPU Lab database. It was left as it is.',
  'newer-schema':
    'The database was written by a newer version of DNPU Lab. It was left as it is: open it with that version.',
  'backup-failed':
    'The database needs an upgrade, but the safety copy DNPU Lab makes first could not be written (is the disk ' +
    'full, or the data folder read-only?). It was not upgraded and was left as it is.',
  'upgrade-failed': 'Upgrading the database failed; the upgrade was undone.',
  unreadable:
    'The database file could not be opened (no permission to read or write it, or another program holds it). ' +
    'It was left as it is.'
}

function explain(kind: StartupFailureKind, outer: ErrorLike, chain: ErrorLike[]): string {
  switch (kind) {
    case 'native-module': {
      const link = chain.find(isNativeModuleFailure)!
      const name = nativeModuleName(messageOf(link))
      return (
        `A part of DNPU Lab${name ? ` (${name})` : ''} could not be loaded: it is missing, or is a native ` +
        'module built for another version of Electron or another system. Reinstall DNPU Lab. ' +
        'Running from a source folder, start it with `npm start`, which prepares the database driver for Electron.'
      )
    }
    case 'database':
      return DATABASE_HEADLINES[String(outer.reason)] ?? DATABASE_HEADLINES.unreadable
    case 'port-in-use':
      return (
        'A network port DNPU Lab needs is already in use by another program (another DNPU Lab, or ' +
        '`dnpu serve`?). Close that program, or choose another port, and start DNPU Lab again.'
      )
    case 'other':
      return 'An unexpected error stopped DNPU Lab while it was starting.'
  }
}

function kindOf(chain: ErrorLike[]): StartupFailureKind {
  // First: a driver that cannot load reaches us wrapped as a database error.
  if (chain.some(isNativeModuleFailure)) return 'native-module'
  if (chain.some((link) => link.name === 'DatabaseOpenError')) return 'database'
  if (chain.some((link) => link.code === 'EADDRINUSE')) return 'port-in-use'
  return 'other'
}

export function describeStartupError(error: unknown, logFile: string | null): StartupErrorDialog {
  const chain = errorChain(error)
  const kind = kindOf(chain)
  const database = chain.find((link) => link.name === 'DatabaseOpenError') ?? chain[0] ?? {}
  const parts = [explain(kind, kind === 'database' ? database : (chain[0] ?? {}), chain), messageOf(error)]
  parts.push(logFile ? `Details are in the log file: ${logFile}` : 'The log file could not be written.')
  return { kind, title: 'DNPU Lab could not start', message: parts.join('\n\n') }
}
