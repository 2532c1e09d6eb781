/**
 * A progress bar on stderr for long runs: it appears only once a run has taken more than
 * `delayMs` (default 1 s), and never when stderr is not a terminal (pipes, CI logs, files).
 *
 * @since 0.1.0
 */
import cliProgress from 'cli-progress';

/** What a command reports progress through. */
export interface Progress {
  /** Sets how much of `total` is done. */
  update(done: number): void;
  /** Removes the bar (if it was shown). */
  stop(): void;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  readonly total: number;
  /** What is counted, shown after the figures (e.g. `'bytes'`). */
  readonly unit: string;
  readonly stream?: NodeJS.WriteStream;
  readonly delayMs?: number;
  readonly now?: () => number;
}

/** Starts tracking progress; the bar shows up on a TTY after the delay. */
export const startProgress = (options: ProgressOptions): Progress => {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const started = now();
  const delay = options.delayMs ?? 1000;
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done) {
      if (stream.isTTY !== true) return;
      if (bar === undefined) {
        if (now() - started < delay) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `{bar} {percentage}% | {value}/{total} ${options.unit} | eta {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(options.total, 0);
      }
      bar.update(Math.min(done, options.total));
    },
    stop() {
      bar?.stop();
    },
  };
};
