// Test helper: runs an action that must fail with a TorchFileError and returns that error.
import { expect } from 'vitest';
import { TorchFileError } from '../torch-file-error.js';

export function errorOf(action: () => unknown): TorchFileError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TorchFileError);
    return error as TorchFileError;
  }
  throw new Error('expected a TorchFileError');
}
