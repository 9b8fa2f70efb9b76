// A stub 2D canvas context for the renderer's tests and the frame bench: counts the drawing calls,
// records every text drawn (so a test can prove trace text only ever reaches fillText) and keeps
// the last pixel buffer put on it (the marks are painted into one, see webview/pixels.ts).
import type { Canvas2D } from '../../../webview/draw';

export interface StubCanvas extends Canvas2D {
  texts: string[];
  /** Every path point given to moveTo, lineTo and bezierCurveTo (its end point), and every strokeRect, in order. */
  geometry: { op: 'moveTo' | 'lineTo' | 'bezierCurveTo' | 'strokeRect'; x: number; y: number; w?: number; h?: number; colour: string }[];
  calls: Record<string, number>;
  /** The last ImageData given to putImageData. */
  image: ImageData | undefined;
}

export function stubCanvas(): StubCanvas {
  const calls: Record<string, number> = {};
  const count = (name: string) => () => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const texts: string[] = [];
  const geometry: StubCanvas['geometry'] = [];
  const c = {
    texts,
    geometry,
    calls,
    image: undefined as ImageData | undefined,
    fillStyle: '#000' as string | CanvasGradient | CanvasPattern,
    strokeStyle: '#000' as string | CanvasGradient | CanvasPattern,
    globalAlpha: 1,
    lineWidth: 1,
    font: '12px sans-serif',
    textBaseline: 'top' as CanvasTextBaseline,
    fillRect: count('fillRect'),
    clearRect: count('clearRect'),
    strokeRect(x: number, y: number, w: number, h: number): void {
      count('strokeRect')();
      geometry.push({ op: 'strokeRect', x, y, w, h, colour: String(c.strokeStyle) });
    },
    beginPath: count('beginPath'),
    fill: count('fill'),
    closePath: count('closePath'),
    bezierCurveTo(_c1x: number, _c1y: number, _c2x: number, _c2y: number, x: number, y: number): void {
      count('bezierCurveTo')();
      geometry.push({ op: 'bezierCurveTo', x, y, colour: String(c.strokeStyle) });
    },
    stroke: count('stroke'),
    moveTo(x: number, y: number): void {
      count('moveTo')();
      geometry.push({ op: 'moveTo', x, y, colour: String(c.strokeStyle) });
    },
    lineTo(x: number, y: number): void {
      count('lineTo')();
      geometry.push({ op: 'lineTo', x, y, colour: String(c.strokeStyle) });
    },
    save: count('save'),
    restore: count('restore'),
    setLineDash: count('setLineDash'),
    fillText(text: string): void {
      texts.push(text);
    },
    createImageData(width: number, height: number): ImageData {
      return { width, height, data: new Uint8ClampedArray(width * height * 4), colorSpace: 'srgb' } as ImageData;
    },
    putImageData(image: ImageData): void {
      calls.putImageData = (calls.putImageData ?? 0) + 1;
      c.image = image;
    },
    measureText(text: string): TextMetrics {
      return { width: text.length * 7 } as TextMetrics;
    },
  };
  return c as unknown as StubCanvas;
}
