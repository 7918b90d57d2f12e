import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'src-main/**/*.test.ts',
      'src-shared/**/*.test.ts',
      'src-preload/**/*.test.ts',
      'src-renderer/**/*.test.ts',
      'eslint-rules/**/*.test.ts',
      'scripts/**/*.test.ts'
    ],
    environment: 'node',
    // Generous: the CLI tests drive real child processes, which a loaded CI machine slows down.
    testTimeout: 200_000,
    hookTimeout: 60_000
  }
})
