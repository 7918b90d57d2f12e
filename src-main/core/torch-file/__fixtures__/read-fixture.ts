// Test helper: the torch-file fixtures in this folder (copied from the shared fixtures, plus the
// ones make-extra-fixtures.py wrote with a real PyTorch). Tests only: core never reads files.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ExpectedOutputs {
  inputs: number[][];
  outputs_nA: number[];
  outputs_nA_float64_forward: number[];
}

// The demo model is the app's bundled file, not a copy.
function fixturePath(name: string): string {
  const url = name === 'demo-surrogate.pt' ? '../../../../resources/demo-surrogate.pt' : `./${name}`;
  return fileURLToPath(new URL(url, import.meta.url));
}

export function readFixture(name: string): Uint8Array {
  const buffer = readFileSync(fixturePath(name));
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function readExpected(name: 'small-elu' | 'small-tanh' | 'defaults-missing'): ExpectedOutputs {
  return JSON.parse(readFileSync(fixturePath(`${name}.expected.json`), 'utf8')) as ExpectedOutputs;
}

/** resources/demo-surrogate.json: the same demo weights as demo-surrogate.pt, as JSON. */
export function readDemoSurrogateJson(): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../__fixtures__/demo-surrogate.json', import.meta.url)), 'utf8'));
}
