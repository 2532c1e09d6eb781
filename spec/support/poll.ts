// Polling for the specs that wait on another process, a server or a browser tab.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a poll reads: a value, or `undefined` / `false` for "not yet". */
type Probe<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Polls `probe` every 25 ms until it gives a value other than `undefined` or `false`, and
 * returns that value; `undefined` once `ms` have passed without one.
 */
export const within = async <T>(probe: Probe<T>, ms: number): Promise<T | undefined> => {
  for (const end = Date.now() + ms; ; await sleep(25)) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= end) return undefined;
  }
};

/**
 * Polls `probe` until it gives a value other than `undefined` or `false`, and returns it;
 * throws once `ms` have passed (by default it waits as long as the test's timeout allows).
 */
export const waitFor = async <T>(probe: Probe<T>, ms = Infinity): Promise<T> => {
  const value = await within(probe, ms);
  if (value === undefined) throw new Error(`nothing came within ${ms} ms`);
  return value;
};
