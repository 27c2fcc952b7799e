// The table's finite-difference runner: every row marked `gradcheck` has its autograd gradients
// checked against central differences on the cpu backend (./gradcheck.ts has the method and the
// tolerance). The checker's own self-test is here too.
import { describe, expect, it } from 'vitest';
import { expectClose } from './compare.js';
import { gradcheck } from './gradcheck.js';
import { OP_ROWS } from './rows/ops.js';

describe('the gradient checker itself', () => {
  it('rejects a wrong gradient (x * detach(x) has true derivative 2x, autograd gives x)', () => {
    expect(() => gradcheck('x*detach(x)', (x) => x.mul(x.detach()), [{ shape: [5], range: [0.5, 1.5] }])).toThrow(
      /gradcheck\(x\*detach\(x\)\) failed.*\n.*inputs\[0\] element \d+ \[\d+\]: numeric .* analytic/,
    );
  });
  it('expectClose names the element and both values', () => {
    expect(() => expectClose([1, 2, 3], [1, 2.1, 3], { rtol: 1e-3, atol: 0, label: 'demo' })).toThrow(
      /demo: [\s\S]*\[1\] actual 2 expected 2\.1/,
    );
    expect(() => expectClose([1, 2], [1, 2.0001], { rtol: 1e-3 })).not.toThrow();
  });
});

describe('conformance: finite-difference gradient check', () => {
  for (const row of OP_ROWS.filter((r) => r.gradcheck)) {
    it(`${row.op}: ${row.name}`, () => {
      const options = row.gradcheck === true ? {} : row.gradcheck;
      expect(gradcheck(row.name, row.call, row.inputs, options).worstRatio).toBeLessThanOrEqual(1);
    });
  }
});
