// Zstandard decompression for trace.dat chunks: zstddec (the reference zstd decoder compiled to
// WebAssembly, about 4x faster than pure-JS fzstd on trace data) once initialised, fzstd until then
// or when WebAssembly is unavailable. Each call decompresses one chunk into a buffer of known size.

import { decompress as fzstdDecompress } from 'fzstd';

type Decode = (data: Uint8Array, size: number) => Uint8Array;

let wasmDecode: Decode | undefined;
let initPromise: Promise<void> | undefined;

/**
 * zstddec's init() instantiates its module from bytes (Buffer.from of its base64) when no global
 * `fetch` exists, and otherwise fetches a data: URL, which in Node loads undici and decodes the
 * 100 KB URL in JS: a tenth of a second of CPU before the first chunk. Hiding `fetch` for that one
 * synchronous call takes the bytes path; it is restored before any other code can run.
 */
function initWithoutFetch(init: () => Promise<void>): Promise<void> {
  const g = globalThis as { fetch?: unknown };
  const saved = Object.getOwnPropertyDescriptor(g, 'fetch');
  if (saved === undefined || !saved.configurable) return init();
  try {
    Object.defineProperty(g, 'fetch', { value: undefined, writable: true, enumerable: saved.enumerable, configurable: true });
  } catch {
    return init();
  }
  try {
    return init();
  } finally {
    Object.defineProperty(g, 'fetch', saved);
  }
}

/** Load the WebAssembly decoder once; resolves (never rejects) whether or not it could be loaded. */
export function initZstd(): Promise<void> {
  initPromise ??= (async () => {
    try {
      const { ZSTDDecoder } = await import('zstddec');
      const decoder = new ZSTDDecoder();
      await initWithoutFetch(() => decoder.init());
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
