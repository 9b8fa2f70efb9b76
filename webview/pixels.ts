// The timeline's marks painted in JavaScript into one ImageData, then put on the canvas with a
// single putImageData. Why: VS Code webviews (and headless Chromium) often raster the canvas in
// software, and filling thousands of antialiased path rects there cost 20-90 ms a frame at 10 M
// events (most of it when bins land on fractional pixels during a zoom), far more than the drawing
// calls themselves. Every mark is an axis-aligned rect (bars, heat cells, grid lines, marker rules,
// dashed outlines), so painting whole device pixels with source-over blending here costs a few ms
// and stays crisp; text and the few strokes on top stay ordinary canvas calls.

/** A parsed colour: channels 0-255, alpha 0-1, and the opaque pixel as a Uint32 in memory order. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
  packed: number;
}

/** What the layer needs from a 2D context (a stub canvas provides it too). */
export interface PixelSink {
  createImageData(sw: number, sh: number): ImageData;
  putImageData(data: ImageData, dx: number, dy: number): void;
}

// Packing through a byte view keeps the Uint32 right whatever the platform's endianness.
const packBytes = new Uint8Array(4);
const packWord = new Uint32Array(packBytes.buffer);

function rgba(r: number, g: number, b: number, a: number): Rgba {
  packBytes[0] = r;
  packBytes[1] = g;
  packBytes[2] = b;
  packBytes[3] = 255;
  return { r, g, b, a: Math.max(0, Math.min(1, a)), packed: packWord[0] };
}

/** #rgb, #rgba, #rrggbb, #rrggbbaa, rgb() and rgba() (what VS Code's variables and a canvas's fillStyle give back). */
export function parseColour(css: string): Rgba | undefined {
  const s = css.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s)?.[1];
  if (hex && (hex.length === 3 || hex.length === 4)) {
    const n = (i: number) => parseInt(hex[i] + hex[i], 16);
    return rgba(n(0), n(1), n(2), hex.length === 4 ? n(3) / 255 : 1);
  }
  if (hex && (hex.length === 6 || hex.length === 8)) {
    const n = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return rgba(n(0), n(2), n(4), hex.length === 8 ? n(6) / 255 : 1);
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s)?.[1];
  if (fn) {
    const parts = fn.split(/[\s,/]+/).filter(Boolean);
    if (parts.length < 3) return undefined;
    const ch = (p: string) => Math.round(p.endsWith('%') ? (parseFloat(p) * 255) / 100 : parseFloat(p));
    const a = parts[3] === undefined ? 1 : parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3]);
    const [r, g, b] = parts.slice(0, 3).map(ch);
    if ([r, g, b, a].some((x) => !Number.isFinite(x))) return undefined;
    return rgba(r, g, b, a);
  }
  return undefined;
}

const colours = new Map<string, Rgba>();

/**
 * A theme colour parsed once (themes have a dozen colours). Forms the parser does not know (named
 * colours, hsl()) go through the context's fillStyle, which a browser normalises to #rrggbb or rgba().
 */
export function colourOf(ctx: { fillStyle: string | CanvasGradient | CanvasPattern }, css: string): Rgba {
  let c = colours.get(css);
  if (!c) {
    let parsed = parseColour(css);
    if (!parsed) {
      ctx.fillStyle = '#000000';
      ctx.fillStyle = css;
      parsed = typeof ctx.fillStyle === 'string' ? parseColour(ctx.fillStyle) : undefined;
    }
    c = parsed ?? rgba(128, 128, 128, 1);
    colours.set(css, c);
  }
  return c;
}

/** One opaque device-pixel buffer, reused across frames while the canvas keeps its size. */
export class PixelLayer {
  private image: ImageData | undefined;
  private owner: PixelSink | undefined;
  private u8 = new Uint8ClampedArray(0);
  private u32 = new Uint32Array(0);
  private w = 0;
  private h = 0;
  private s = 1;
  /** Rects painted since begin (the bench reports it). */
  rects = 0;

  /** Start a frame of cssWidth x cssHeight CSS pixels at `dpr`, cleared to `bg` (made opaque: the page behind is the same colour). */
  begin(sink: PixelSink, cssWidth: number, cssHeight: number, dpr: number, bg: Rgba): void {
    const w = Math.max(1, Math.round(cssWidth * dpr));
    const h = Math.max(1, Math.round(cssHeight * dpr));
    if (!this.image || this.owner !== sink || this.image.width !== w || this.image.height !== h) {
      this.image = sink.createImageData(w, h);
      this.owner = sink;
      this.u8 = this.image.data;
      this.u32 = new Uint32Array(this.u8.buffer, this.u8.byteOffset, w * h);
    }
    this.w = w;
    this.h = h;
    this.s = dpr;
    this.rects = 0;
    this.u32.fill(bg.packed);
  }

  /** Fill a rect given in CSS pixels, snapped to whole device pixels and at least one wide and high. */
  fill(c: Rgba, alpha: number, x: number, y: number, w: number, h: number): void {
    const s = this.s;
    let x0 = Math.round(x * s);
    let x1 = Math.round((x + w) * s);
    if (x1 <= x0) x1 = x0 + 1;
    let y0 = Math.round(y * s);
    let y1 = Math.round((y + h) * s);
    if (y1 <= y0) y1 = y0 + 1;
    if (x0 < 0) x0 = 0;
    if (x1 > this.w) x1 = this.w;
    if (y0 < 0) y0 = 0;
    if (y1 > this.h) y1 = this.h;
    // Also false for NaN coordinates.
    if (!(x1 > x0 && y1 > y0)) return;
    this.rects++;
    this.span(c, Math.round(alpha * c.a * 256), x0, x1, y0, y1);
  }

  /**
   * A 1 CSS px outline of a rect, dashed `dash` CSS px on and off like setLineDash([dash, dash])
   * (0: solid), covering the pixel rows and columns a half-pixel-aligned strokeRect would.
   */
  outline(c: Rgba, alpha: number, x: number, y: number, w: number, h: number, dash: number): void {
    const s = this.s;
    const t = Math.max(1, Math.round(s));
    const x0 = Math.round(x * s);
    const x1 = Math.round((x + w) * s);
    const y0 = Math.round(y * s);
    const y1 = Math.round((y + h) * s);
    if (!(x1 + t > 0 && x0 < this.w && y1 + t > 0 && y0 < this.h)) return;
    this.rects++;
    const a = Math.round(alpha * c.a * 256);
    // Dashes restart at each corner (close enough to a stroked path's dash phase).
    const len = dash > 0 ? Math.max(1, Math.round(dash * s)) : Infinity;
    for (let p = x0; p < x1 + t; p += 2 * len) {
      const q = Math.min(p + len, x1 + t);
      this.clipped(c, a, p, q, y0, y0 + t);
      this.clipped(c, a, p, q, y1, y1 + t);
    }
    // The vertical sides leave out the corners the horizontal ones painted (no double blend).
    for (let p = y0 + t; p < y1; p += 2 * len) {
      const q = Math.min(p + len, y1);
      this.clipped(c, a, x0, x0 + t, p, q);
      if (x1 > x0) this.clipped(c, a, x1, x1 + t, p, q);
    }
  }

  private clipped(c: Rgba, k: number, x0: number, x1: number, y0: number, y1: number): void {
    const a0 = Math.max(0, x0);
    const a1 = Math.min(this.w, x1);
    const b0 = Math.max(0, y0);
    const b1 = Math.min(this.h, y1);
    if (a1 > a0 && b1 > b0) this.span(c, k, a0, a1, b0, b1);
  }

  /** Put the frame on the canvas (device pixels: the context's transform does not apply). */
  put(sink: PixelSink): void {
    if (this.image) sink.putImageData(this.image, 0, 0);
  }

  /**
   * Device-pixel rect, already clipped, at alpha k/256: plain stores when opaque, source-over
   * blending otherwise. Only small integers cross this call (a double argument would be boxed on
   * the heap at every call that is not inlined: tens of thousands a frame).
   */
  private span(c: Rgba, k: number, x0: number, x1: number, y0: number, y1: number): void {
    const w = this.w;
    if (k >= 256) {
      const u32 = this.u32;
      const packed = c.packed;
      // Most marks are one pixel wide (a bin, a rule): one strided loop. TypedArray.fill only pays
      // off on long runs.
      if (x1 - x0 === 1) for (let i = y0 * w + x0, end = y1 * w; i < end; i += w) u32[i] = packed;
      else if (x1 - x0 > 16) for (let row = y0; row < y1; row++) u32.fill(packed, row * w + x0, row * w + x1);
      else for (let row = y0; row < y1; row++) for (let i = row * w + x0, end = row * w + x1; i < end; i++) u32[i] = packed;
      return;
    }
    if (k <= 0) return;
    // dst += (src - dst) * k / 256; the buffer stays opaque.
    const { r, g, b } = c;
    const d = this.u8;
    for (let row = y0; row < y1; row++) {
      for (let i = (row * w + x0) * 4, end = (row * w + x1) * 4; i < end; i += 4) {
        d[i] += ((r - d[i]) * k) >> 8;
        d[i + 1] += ((g - d[i + 1]) * k) >> 8;
        d[i + 2] += ((b - d[i + 2]) * k) >> 8;
      }
    }
  }
}
