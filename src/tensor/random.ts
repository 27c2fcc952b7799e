// The library's one source of randomness: a seedable generator (seedrandom's Alea) behind
// manualSeed. Never Math.random in library code, so every run can be reproduced.
import seedrandom from 'seedrandom';

let rng: seedrandom.PRNG = seedrandom.alea('plm-ipe');

/**
 * Seeds every random choice the library makes (initialisation, dropout, shuffling, data
 * generation). Same seed, same numbers.
 * @example
 * manualSeed(42);
 */
export function manualSeed(seed: number | string): void {
  rng = seedrandom.alea(String(seed));
}

/** A uniform number in [0, 1) from the library's generator. */
export function random(): number {
  return rng();
}

/** A new independent generator seeded from `seed` (for data pipelines that must not disturb the global one). */
export function createRng(seed: number | string): () => number {
  return seedrandom.alea(String(seed));
}

/** Fills `out` with standard normal samples (Box-Muller). */
export function fillNormal(out: Float32Array, mean = 0, std = 1, next: () => number = rng): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    let u = next();
    while (u <= 1e-12) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Fills `out` with uniform samples in [low, high). */
export function fillUniform(out: Float32Array, low = 0, high = 1, next: () => number = rng): Float32Array {
  const span = high - low;
  for (let i = 0; i < out.length; i++) out[i] = low + span * next();
  return out;
}
