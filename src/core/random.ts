// The one seeded PRNG of the engine, its tests and the bench generator (mulberry32): small, fast,
// and the same sequence everywhere, so a bootstrap interval or a failing test seed is reproducible
// from its number alone.
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
