// A stub 2D canvas context for the renderer's tests and the frame bench: counts the drawing calls
// and records every text drawn (so a test can prove trace text only ever reaches fillText).
import type { Canvas2D } from '../../../webview/draw';

export interface StubCanvas extends Canvas2D {
  texts: string[];
  calls: Record<string, number>;
  rects: number;
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
    rects: 0,
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
    stroke: count('stroke'),
    moveTo: count('moveTo'),
    lineTo: count('lineTo'),
    save: count('save'),
    restore: count('restore'),
    setLineDash: count('setLineDash'),
    rect(): void {
      c.rects++;
    },
    fillText(text: string): void {
      texts.push(text);
    },
    measureText(text: string): TextMetrics {
      return { width: text.length * 7 } as TextMetrics;
    },
  };
  return c as unknown as StubCanvas;
}
