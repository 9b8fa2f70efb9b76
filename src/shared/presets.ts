// The what-if presets as the client sees them: the catalog's one table (src/core/catalog/presets.ts),
// re-exported here because the client never imports the engine itself.
export { PRESETS, type Preset } from '../core/catalog/presets';
