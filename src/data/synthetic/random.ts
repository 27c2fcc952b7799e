// Small sampling helpers over a seeded uniform generator (createRng): uniform ranges, normals,
// integers, picks and shuffles. The generator never uses Math.random, so same seed, same data.
// Imports nothing.

/** A uniform generator in [0, 1), e.g. from `createRng(seed)`. */
export type Uniform = () => number;

/** Uniform in [a, b). */
export function uniform(rng: Uniform, a: number, b: number): number {
  return a + (b - a) * rng();
}

/** Integer uniform in [a, b] (both included). */
export function int(rng: Uniform, a: number, b: number): number {
  return a + Math.floor(rng() * (b - a + 1));
}

/** Standard normal (Box-Muller), times `std` plus `mean`. */
export function normal(rng: Uniform, mean = 0, std = 1): number {
  let u = rng();
  while (u <= 1e-12) u = rng();
  return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** One element of `xs`, uniformly. */
export function pick<T>(rng: Uniform, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T>(rng: Uniform, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** `x` clamped to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
