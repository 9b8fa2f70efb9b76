// stage2Lens/recordingScript: a shell script that records a trace this tool can analyse, written by
// core's generator (src/core/record/). The server checks the user's choices and passes them through.
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { generateRecordingScript } from '../core/index';
import type { RecordingScriptParams, RecordingScriptResult } from '../shared/protocol';

export function recordingScript(p: RecordingScriptParams): RecordingScriptResult {
  const arch = p?.arch;
  if (arch !== 'arm64' && arch !== 'x86') throw new ResponseError(LSPErrorCodes.RequestFailed, 'arch must be arm64 or x86');
  if (p.mode !== 'vhe' && p.mode !== 'nvhe') throw new ResponseError(LSPErrorCodes.RequestFailed, 'mode must be vhe or nvhe');
  if (p.tool !== 'tracefs' && p.tool !== 'trace-cmd') throw new ResponseError(LSPErrorCodes.RequestFailed, 'tool must be tracefs or trace-cmd');
  if (p.probes !== 'basic' && p.probes !== 'full') throw new ResponseError(LSPErrorCodes.RequestFailed, 'probes must be basic or full');
  const durationSec = typeof p.durationSec === 'number' && Number.isInteger(p.durationSec) && p.durationSec >= 0 ? p.durationSec : undefined;
  const text = generateRecordingScript({ arch, mode: p.mode, tool: p.tool, probes: p.probes, ...(durationSec !== undefined ? { durationSec } : {}) });
  return { text, fileName: `record-stage2-${arch}${arch === 'arm64' ? `-${p.mode}` : ''}.sh` };
}
