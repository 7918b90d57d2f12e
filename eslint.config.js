import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import { layeringRule, rawIpcRule } from './eslint-rules/layering.js'

const root = import.meta.dirname
const local = { rules: { layering: layeringRule, 'raw-ipc': rawIpcRule } }

export default tseslint.config(
  {
    ignores: ['out/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/.artifacts/**']
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { local },
    rules: {
      'local/layering': ['error', { root }],
      'local/raw-ipc': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // docs/architecture.md, rule 12: a source file stays under 500 lines unless its header says why
    // (`/* eslint-disable max-lines -- <why this file is one unit> */`).
    files: [
      'src-main/**/*.{ts,svelte}',
      'src-shared/**/*.{ts,svelte}',
      'src-preload/**/*.{ts,svelte}',
      'src-renderer/**/*.{ts,svelte}'
    ],
    rules: { 'max-lines': ['error', { max: 500, skipBlankLines: false, skipComments: false }] }
  },
  {
    // Tests and their support files and fixtures may be as long as they need.
    files: ['**/*.test.ts', '**/*.type-test.ts', '**/test-support.ts', '**/__fixtures__/**', 'e2e/**'],
    rules: { 'max-lines': 'off' }
  },
  {
    files: ['src-main/shell/**', 'src-preload/**'],
    rules: { 'local/raw-ipc': 'off' }
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } }
  }
)
