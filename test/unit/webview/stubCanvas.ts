// A stub 2D canvas context for the renderer's tests and the frame bench: counts the drawing calls,
// records every text drawn (so a test can prove trace text only ever reaches fillText) and keeps
// the last pixel buffer put on it (the marks are painted into one, see webview/pixels.ts).
import type { Canvas2D } from '../../../webview/draw';

export interface StubCanvas extends Canvas2D {
  texts: string[];
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
  const c = {
    texts,
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
    strokeRect: count('strokeRect'),
    beginPath: count('beginPath'),
    fill: count('fill'),
    closePath: count('closePath'),
    bezierCurveTo: count('bezierCurveTo'),
    stroke: count('stroke'),
    moveTo: count('moveTo'),
    lineTo: count('lineTo'),
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
