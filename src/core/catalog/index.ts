// The catalog: finding classes, what-if presets and kernel eras, each written once.
export * from './findings';
export * from './presets';
export * from '../domain/kernels';
