/**
 * The peak resident set size of this process, in KiB. On Linux it is `VmHWM` of
 * `/proc/self/status`, which starts afresh with each program: `getrusage`'s `maxRSS` is kept
 * across `execve`, so a child started by a large bench process would report the bench's own
 * peak. Elsewhere, `process.resourceUsage().maxRSS`.
 */
import { readFileSync } from 'node:fs';

export const peakRssKiB = (): number => {
  try {
    const hwm = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]);
  } catch {
    // Not Linux: no /proc.
  }
  return process.resourceUsage().maxRSS;
};
