// Zstandard decompression for trace.dat chunks: zstddec (the reference zstd decoder compiled to
// WebAssembly, about 4x faster than pure-JS fzstd on trace data) once initialised, fzstd until then
// or when WebAssembly is unavailable. Each call decompresses one chunk into a buffer of known size.

import { decompress as fzstdDecompress } from 'fzstd';

type Decode = (data: Uint8Array, size: number) => Uint8Array;

let wasmDecode: Decode | undefined;
let initPromise: Promise<void> | undefined;

/** Load the WebAssembly decoder once; resolves (never rejects) whether or not it could be loaded. */
export function initZstd(): Promise<void> {
  initPromise ??= (async () => {
    try {
      const { ZSTDDecoder } = await import('zstddec');
      const decoder = new ZSTDDecoder();
      await decoder.init();
      wasmDecode = (data, size) => decoder.decode(data, size);
    } catch {
      wasmDecode = undefined; // fzstd remains
    }
  })();
  return initPromise;
}

export function zstdDecompress(data: Uint8Array, size: number): Uint8Array {
  if (wasmDecode) return wasmDecode(data, size);
  return fzstdDecompress(data, new Uint8Array(size));
}

/** Which decoder is in use (for benchmark output). */
export function zstdDecoderName(): string {
  return wasmDecode ? 'zstddec (wasm)' : 'fzstd (js)';
}
