// Progress reporting with an ETA for long steps (dataset generation, feature extraction): a redrawn
// bar on a TTY, plain log lines every N percent or N seconds elsewhere (CI logs stay readable).
// Writes only to the stream it is given; no Node imports, no global state.

/** Where progress goes: `process.stderr`, a file stream or anything with `write`. */
export interface ProgressStream {
  /** Writes a chunk of text. */
  write(text: string): unknown;
  /** True for a terminal: the bar is redrawn in place with `\r`. */
  isTTY?: boolean;
  /** Terminal width, used to size the bar. */
  columns?: number;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Number of steps. */
  total: number;
  /** Text before the bar or at the start of each line. */
  label?: string;
  /** Output; nothing is written when omitted. */
  stream?: ProgressStream;
  /** Force TTY (bar) or non-TTY (lines) mode; defaults to `stream.isTTY`. */
  tty?: boolean;
  /** Non-TTY mode: log a line each time progress crosses a multiple of this percentage. Default 10. */
  everyPercent?: number;
  /** Non-TTY mode: also log when this many seconds passed since the last line. Default 30. */
  everySeconds?: number;
  /** TTY mode: minimum milliseconds between redraws. Default 100. */
  redrawMs?: number;
  /** Clock in milliseconds (tests pass a fake one). Default `Date.now`. */
  now?: () => number;
}

/** A running progress report. */
export interface Progress {
  /** Advances by `n` steps (default 1). */
  tick(n?: number): void;
  /** Sets the number of completed steps. */
  update(done: number): void;
  /** Writes the final state (100 % or where it stopped) and ends the line. */
  finish(): void;
  /** Completed steps so far. */
  readonly done: number;
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * Starts a progress report. The ETA is the elapsed time per step times the steps left.
 * @example
 * const p = createProgress({ total: videos.length, label: 'render', stream: process.stderr });
 * for (const v of videos) { render(v); p.tick(); }
 * p.finish();
 */
export function createProgress(options: ProgressOptions): Progress {
  const total = Math.max(0, options.total);
  const now = options.now ?? Date.now;
  const stream = options.stream;
  const tty = options.tty ?? stream?.isTTY === true;
  const everyPercent = options.everyPercent ?? 10;
  const everyMs = (options.everySeconds ?? 30) * 1000;
  const redrawMs = options.redrawMs ?? 100;
  const label = options.label ? `${options.label} ` : '';
  const start = now();
  let done = 0;
  let lastWrite = -Infinity;
  let lastBucket = 0;
  let lastDoneWritten = -1;
  let finished = false;

  const summary = (): string => {
    const elapsed = (now() - start) / 1000;
    const pct = total > 0 ? (100 * done) / total : 100;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    const tail = done >= total ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`;
    return `${done}/${total} (${pct.toFixed(0)}%) ${tail}`;
  };

  const drawBar = (): void => {
    const text = summary();
    const width = Math.max(10, Math.min(40, (stream?.columns ?? 80) - label.length - text.length - 4));
    const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : width;
    stream!.write(`\r${label}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`);
  };

  const report = (force: boolean): void => {
    if (!stream) return;
    const t = now();
    if (tty) {
      if (force || t - lastWrite >= redrawMs) {
        drawBar();
        lastWrite = t;
      }
      return;
    }
    const bucket = total > 0 && everyPercent > 0 ? Math.floor((100 * done) / total / everyPercent) : 0;
    if (force ? done !== lastDoneWritten : bucket > lastBucket || t - lastWrite >= everyMs) {
      stream.write(`${label}${summary()}\n`);
      lastDoneWritten = done;
      lastWrite = t;
      lastBucket = bucket;
    }
  };

  // The first non-TTY line comes at the first crossing, not at 0 %, to keep logs short.
  lastWrite = tty ? -Infinity : start;
  return {
    tick(n = 1) {
      done += n;
      report(false);
    },
    update(value: number) {
      done = value;
      report(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (!stream) return;
      report(true);
      if (tty) stream.write('\n');
    },
    get done() {
      return done;
    },
  };
}
