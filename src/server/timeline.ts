// Placeholder: the timeline's LSP requests (owned by the timeline work). server.ts calls
// registerTimelineHandlers once; getAnalysis returns the latest analysis of an open trace.
import type { Connection } from 'vscode-languageserver';
import type { Analysis } from '../core/api';

export function registerTimelineHandlers(_connection: Connection, _getAnalysis: (uri: string) => Analysis | undefined): void {}
