// The plural helper for the client, the webview and the adapters, which say their counts the way the
// engine's reports do (the one definition is in src/core/util/plural.ts; core never imports src/shared).
export { plural } from '../core/util/plural';
