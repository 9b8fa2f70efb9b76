// stage2Lens/recordingScript: a shell script that records a trace this tool can analyse, written by
// core's generator (src/core/record/). The server passes the user's choices through.
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { RecordingScriptParams, RecordingScriptResult } from '../shared/protocol';

export function recordingScript(_p: RecordingScriptParams): RecordingScriptResult {
  throw new ResponseError(LSPErrorCodes.RequestFailed, 'the recording-script generator (src/core/record/) is not available in this build yet');
}
