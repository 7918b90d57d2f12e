/**
 * ESLint rule `local/layering`: the import rules of docs/architecture.md (rules 1-4), one table per folder.
 *
 * Each layer lists which project folders and which packages it may import. A relative import is
 * resolved against the importing file, so `../../store` from core is caught as well as
 * `import 'better-sqlite3'`. The layer of a file is the longest matching folder prefix.
 */
import { dirname, relative, resolve, sep } from 'node:path'

const NODE_BUILTIN = /^node:/

/** folder (relative to the repo root) -> what files in it may import. */
export const LAYERS = {
  'src-shared/domain': {
    why: 'src-shared/domain holds plain constants and types every layer shares: it imports nothing else',
    folders: ['src-shared/domain'],
    packages: []
  },
  'src-shared/ipc': {
    why: 'src-shared/ipc is the contract: channels, zod schemas and events over the shared domain',
    folders: ['src-shared'],
    packages: [/^zod$/]
  },
  'src-main/core': {
    why: 'core/ is the pure domain (docs/architecture.md, rule 1): no Electron, IPC, SQL, serial or I/O; it may read src-shared/domain, never the IPC contract',
    folders: ['src-main/core', 'src-shared/domain'],
    packages: [/^@tensorflow\//, /^node:(module|path|url)$/, /^fflate$/]
  },
  'src-main/store': {
    why: 'store/ is persistence only and never touches Electron (docs/architecture.md, rule 1)',
    folders: ['src-main/store', 'src-shared'],
    packages: [/^better-sqlite3$/, NODE_BUILTIN]
  },
  'src-main/instrument': {
    why: 'instrument/ is the driver and never touches Electron (docs/architecture.md, rule 1)',
    folders: ['src-main/instrument', 'src-main/core'],
    packages: [/^serialport$/, /^@serialport\//, NODE_BUILTIN]
  },
  'src-main/workers': {
    why: 'workers/ run core in a thread; they never touch Electron, SQL or IPC',
    folders: ['src-main/workers', 'src-main/core', 'src-main/services/training-service.ts', 'src-shared'],
    packages: [NODE_BUILTIN]
  },
  'src-main/services': {
    why: 'services/ compose core, instrument and store; only shell/ and bridge/ touch a transport (docs/architecture.md, rule 3)',
    folders: [
      'src-main/services',
      'src-main/core',
      'src-main/store',
      'src-main/instrument',
      'src-main/workers/trainer-protocol.ts',
      'src-shared'
    ],
    packages: [NODE_BUILTIN, /^zod$/]
  },
  'src-main/bridge': {
    why: 'bridge/ is the WebSocket transport; it never touches Electron',
    folders: ['src-main/bridge', 'src-main/services', 'src-shared'],
    packages: [NODE_BUILTIN, /^ws$/]
  },
  'src-main/cli': {
    why: 'cli/ is the headless entry: no Electron',
    folders: [
      'src-main/cli',
      'src-main/services',
      'src-main/instrument',
      'src-main/bridge',
      'src-main/workers/spawn-trainer.ts',
      'src-main/workers/evaluation-pool.ts',
      'src-main/workers/surrogate-reader.ts',
      'src-main/core',
      'src-shared'
    ],
    packages: [NODE_BUILTIN, /^commander$/, /^cli-progress$/]
  },
  'src-main/shell': {
    why: 'shell/ is the thin Electron layer',
    folders: [
      'src-main/shell',
      'src-main/services',
      'src-main/workers/spawn-trainer.ts',
      'src-main/workers/surrogate-reader.ts',
      'src-shared'
    ],
    packages: [NODE_BUILTIN, /^electron$/]
  },
  'src-preload': {
    why: "the preload only bridges the contract's method names (docs/architecture.md, rule 2); it ships no zod",
    folders: ['src-preload', 'src-shared/ipc/api-methods.ts'],
    packages: [/^electron$/]
  },
  'src-renderer': {
    why: 'the renderer reaches main only through lib/api.svelte.ts and the contract (docs/architecture.md, rule 4)',
    folders: ['src-renderer', 'src-shared'],
    packages: [/^svelte(\/|$)/, /^uplot(\/|$)/, /^zod$/]
  }
}

function layerOf(fileFromRoot) {
  let best = null
  for (const folder of Object.keys(LAYERS)) {
    if ((fileFromRoot === folder || fileFromRoot.startsWith(`${folder}/`)) && (!best || folder.length > best.length))
      best = folder
  }
  return best
}

function withinAllowed(targetFromRoot, folders) {
  return folders.some((folder) => {
    const bare = folder.replace(/\.ts$/, '')
    return targetFromRoot === folder || targetFromRoot === bare || targetFromRoot.startsWith(`${folder}/`)
  })
}

export const layeringRule = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the import layering of docs/architecture.md' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }]
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd
    const file = context.filename
    const fileFromRoot = relative(root, file).split(sep).join('/')
    const layer = layerOf(fileFromRoot)
    // Tests and their helpers may reach across layers to set things up.
    if (!layer || /(\.test\.ts|\/test-support\.ts)$|\/__fixtures__\//.test(fileFromRoot)) return {}
    const rules = LAYERS[layer]

    function check(node, source) {
      if (typeof source !== 'string') return
      if (source.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), source.replace(/\?.*$/, '')))
          .split(sep)
          .join('/')
        if (!withinAllowed(target, rules.folders)) {
          context.report({ node, message: `${layer} may not import ${target}: ${rules.why}` })
        }
        return
      }
      if (!rules.packages.some((pattern) => pattern.test(source))) {
        context.report({ node, message: `${layer} may not import '${source}': ${rules.why}` })
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      CallExpression: (node) => {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        ) {
          check(node, node.arguments[0].value)
        }
      }
    }
  }
}

/** Bans ipcMain / ipcRenderer outside the two transport folders (docs/architecture.md, rule 3). */
export const rawIpcRule = {
  meta: { type: 'problem', docs: { description: 'only shell/ and the preload touch raw IPC' }, schema: [] },
  create(context) {
    return {
      Identifier(node) {
        if (node.name === 'ipcMain' || node.name === 'ipcRenderer') {
          context.report({
            node,
            message: `${node.name} is only used in src-main/shell and src-preload (docs/architecture.md, rule 3)`
          })
        }
      }
    }
  }
}
