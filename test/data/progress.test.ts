// Progress reporting: a redrawn bar with ETA on a TTY, sparse plain lines elsewhere (CI).
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../src/data/progress.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 80, write: (s: string) => chunks.push(s) } };
}

describe('progress', () => {
  it('non-TTY: one line per 10 % crossing, with ETA, and a final line', () => {
    let now = 0;
    const { chunks, stream } = sink(false);
    const p = createProgress({ total: 100, label: 'extract', stream, now: () => now });
    for (let i = 0; i < 100; i++) {
      now += 1000;
      p.tick();
    }
    p.finish();
    expect(chunks).toHaveLength(10);
    expect(chunks[0]).toBe('extract 10/100 (10%) ETA 1m30s\n');
    expect(chunks[9]).toBe('extract 100/100 (100%) in 1m40s\n');
  });

  it('non-TTY: also logs after everySeconds without a percentage crossing', () => {
    let now = 0;
    const { chunks, stream } = sink(false);
    const p = createProgress({ total: 1000, stream, now: () => now, everySeconds: 5 });
    for (let i = 0; i < 20; i++) {
      now += 1000;
      p.tick();
    }
    expect(chunks.length).toBe(4);
  });

  it('TTY: redraws a bar in place with \\r and ends the line on finish', () => {
    let now = 0;
    const { chunks, stream } = sink(true);
    const p = createProgress({ total: 4, label: 'render', stream, now: () => now, redrawMs: 0 });
    now = 1000;
    p.tick();
    p.tick();
    p.finish();
    expect(chunks[0].startsWith('\rrender [')).toBe(true);
    expect(chunks[0]).toContain('1/4 (25%) ETA 3s');
    expect(chunks.at(-1)).toBe('\n');
    expect(chunks.at(-2)).toContain('2/4 (50%)');
  });

  it('is silent without a stream and formats durations', () => {
    expect(() => createProgress({ total: 3 }).tick()).not.toThrow();
    expect([formatDuration(42), formatDuration(185), formatDuration(3720), formatDuration(NaN)]).toEqual([
      '42s',
      '3m05s',
      '1h02m',
      '?',
    ]);
  });
});
