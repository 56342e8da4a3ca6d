import test from 'ava';
import { principalAnglesBetween } from '../src/principal-angles.js';
import { randomMatrix } from './helpers/random.js';

/** Orthonormal columns by modified Gram-Schmidt, in the test (independent of src). */
function orthonormalColumns(n: number, c: number, seed: number): Float64Array[] {
  const R = randomMatrix(Float64Array, n, c, seed);
  const cols: Float64Array[] = [];
  for (let j = 0; j < c; j++) {
    const v = Float64Array.from({ length: n }, (_, i) => R.data[i * c + j]);
    for (let pass = 0; pass < 2; pass++)
      for (const q of cols) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * q[i];
      }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  return cols;
}

function matrixOf(cols: Float64Array[]) {
  const n = cols[0].length, c = cols.length;
  const data = new Float64Array(n * c);
  cols.forEach((col, j) => col.forEach((x, i) => (data[i * c + j] = x)));
  return { data, rows: n, cols: c };
}

test('principal angles with known values, tiny and near 90 degrees, largest first', (t) => {
  const n = 50;
  const [q1, q2, q3, q4, q5, q6] = orthonormalColumns(n, 6, 3);
  // span(P) leans from span(U) by exactly a, b, c in three orthogonal planes.
  const [a, b, c] = [1e-9, 1.2, Math.PI / 2 - 1e-9];
  const lean = (u: Float64Array, w: Float64Array, angle: number) => u.map((x, i) => x * Math.cos(angle) + w[i] * Math.sin(angle));
  const U = matrixOf([q1, q2, q3]);
  const leaned = [lean(q1, q4, a), lean(q2, q5, b), lean(q3, q6, c)];
  // Any basis of span(P): mix the leaned vectors with an invertible 3 x 3 matrix.
  const mix = [[2, 1, 0], [0.5, -1, 3], [1, 1, 1]];
  const P = matrixOf([0, 1, 2].map((j) => leaned[0].map((_, i) => mix[j][0] * leaned[0][i] + mix[j][1] * leaned[1][i] + mix[j][2] * leaned[2][i])));
  const got = principalAnglesBetween(P, U);
  const deg = (x: number) => (x * 180) / Math.PI;
  t.is(got.length, 3);
  // Relative 1e-6 for the tiny angle: its sine comes from U - Q N, whose entries carry absolute
  // rounding ~1e-16 against a size of 1e-9 (1e-7 relative); arccos of its cosine would have no
  // correct digit (cos(1e-9) rounds to 1). The others to 1e-12 degrees.
  t.true(Math.abs(got[0] - deg(c)) < 1e-12 * 90, `${got[0]} vs ${deg(c)}`);
  t.true(Math.abs(got[1] - deg(b)) < 1e-12 * 90, `${got[1]} vs ${deg(b)}`);
  t.true(Math.abs(got[2] - deg(a)) < 1e-6 * deg(a), `${got[2]} vs ${deg(a)}`);
});

test('a smaller span(P) counts the missing dimensions as 90 degrees; an empty span(R) has no angles', (t) => {
  const n = 30;
  const [q1, q2, q3] = orthonormalColumns(n, 3, 7);
  const got = principalAnglesBetween(matrixOf([q1, q1.map((x) => 2 * x)]), matrixOf([q1, q2, q3]));
  t.deepEqual(Array.from(got, (x) => Math.round(x * 1e9) / 1e9), [90, 90, 0]);
  t.is(principalAnglesBetween(matrixOf([q1]), { data: new Float64Array(n), rows: n, cols: 1 }).length, 0);
  t.throws(() => principalAnglesBetween(matrixOf([q1]), { data: new Float64Array(4), rows: 4, cols: 1 }), { instanceOf: RangeError });
});
