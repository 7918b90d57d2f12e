import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SURROGATE_JSON } from '../__fixtures__/demo-surrogate.js';
import { Rng } from '../rng.js';
import { parseSurrogateJson, SurrogateModel } from '../surrogate.js';
import { DifferentiableSurrogate } from './differentiable-surrogate.js';

const definition = parseSurrogateJson(DEMO_SURROGATE_JSON);
const model = new SurrogateModel(definition);
let surrogate: DifferentiableSurrogate;

beforeAll(async () => {
  surrogate = await DifferentiableSurrogate.create(definition);
});
afterAll(() => surrogate.dispose());

function randomRows(seed: number, count: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => definition.voltageRangesVolts.map(([lo, hi]) => rng.uniform(lo, hi)));
}

describe('DifferentiableSurrogate', () => {
  it('equals SurrogateModel.forwardNanoamps on random rows', async () => {
    const rows = randomRows(1, 200);
    const expected = await model.forwardNanoamps(Float32Array.from(rows.flat()), rows.length);
    const out = surrogate.forward(tf.tensor2d(rows));
    const actual = await out.data();
    out.dispose();
    const scale = Math.max(...Array.from(expected, Math.abs));
    expected.forEach((v, i) => expect(Math.abs(actual[i]! - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, scale)));
  });

  it.each([2, 3, 4, 5])('has input gradients that match central finite differences (seed %i)', (seed) => {
    const [row] = randomRows(seed, 1);
    const x = tf.tensor2d([row!]);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(surrogate.forward(input as tf.Tensor2D)))(x);
    const g = Array.from(gradient.dataSync());
    gradient.dispose();
    x.dispose();
    // Differences of the float64 reference forward with a small step (a float32 forward would
    // drown a small step in rounding, and a large one crosses relu kinks); the tolerance is for
    // the float32 backward pass.
    const h = 1e-6;
    const f = (r: number[]): number => model.forwardNanoampsReference([r])[0]![0]!;
    const numeric = row!.map((_, i) => {
      const plus = [...row!];
      const minus = [...row!];
      plus[i]! += h;
      minus[i]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    });
    const scale = Math.max(...numeric.map(Math.abs));
    numeric.forEach((n, i) => expect(Math.abs(g[i]! - n)).toBeLessThanOrEqual(1e-4 * scale + 1e-6));
  });
});
