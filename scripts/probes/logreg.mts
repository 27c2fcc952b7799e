// Three-class logistic regression on standardised features (training-set statistics), plain
// gradient descent with L2: the probes' held-out accuracy test. Returns [train, test] accuracy.
export function logreg(X: number[][], y: number[], tr: number[], te: number[], l2 = 0.05): [number, number] {
  const d = X[0].length; // standardize
  const mu = new Array(d).fill(0),
    sd = new Array(d).fill(0);
  for (const i of tr) X[i].forEach((v, j) => (mu[j] += v / tr.length));
  for (const i of tr) X[i].forEach((v, j) => (sd[j] += (v - mu[j]) ** 2 / tr.length));
  const Z = X.map((r) => r.map((v, j) => (v - mu[j]) / (Math.sqrt(sd[j]) + 1e-6)));
  const W = Array.from({ length: 3 }, () => new Array(d + 1).fill(0));
  const lr = 0.05;
  for (let it = 0; it < 300; it++) {
    const G = Array.from({ length: 3 }, () => new Array(d + 1).fill(0));
    for (const i of tr) {
      const z = [0, 1, 2].map((k) => W[k][d] + Z[i].reduce((s, v, j) => s + v * W[k][j], 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const S = e[0] + e[1] + e[2];
      for (let k = 0; k < 3; k++) {
        const g = e[k] / S - (y[i] === k ? 1 : 0);
        for (let j = 0; j < d; j++) G[k][j] += (g * Z[i][j]) / tr.length;
        G[k][d] += g / tr.length;
      }
    }
    for (let k = 0; k < 3; k++) for (let j = 0; j <= d; j++) W[k][j] -= lr * (G[k][j] + (j < d ? l2 * W[k][j] : 0));
  }
  const acc = (idx: number[]) =>
    idx.filter((i) => {
      const z = [0, 1, 2].map((k) => W[k][d] + Z[i].reduce((s, v, j) => s + v * W[k][j], 0));
      return z.indexOf(Math.max(...z)) === y[i];
    }).length / idx.length;
  return [acc(tr), acc(te)];
}
