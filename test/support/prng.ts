// The tests' seeded PRNG is the engine's (src/core/random.ts): one generator everywhere.
export { mulberry32 } from '../../src/core/random';
