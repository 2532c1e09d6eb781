/**
 * The file-name convention of migration scripts: `v{M}_{m}_{p}_to_v{M}_{m}_{p}.{ts,js,mjs}`
 * names the edge it registers. Pure, for the loader, `check` and the scaffolder alike.
 *
 * @since 0.1.0
 */

/** The file-name convention of migration scripts. */
export const MIGRATION_FILE = /^v(\d+)_(\d+)_(\d+)_to_v(\d+)_(\d+)_(\d+)\.(ts|js|mjs)$/;

/**
 * The edge a file name stands for.
 *
 * @example
 * edgeOfFileName('v1_0_0_to_v1_1_0.ts') // ['1.0.0', '1.1.0']
 */
export const edgeOfFileName = (file: string): [string, string] | undefined => {
  const m = MIGRATION_FILE.exec(file);
  return m ? [`${m[1]}.${m[2]}.${m[3]}`, `${m[4]}.${m[5]}.${m[6]}`] : undefined;
};

/**
 * The file name a migration `from → to` should have (without extension).
 *
 * @example
 * fileNameOfEdge('1.0.0', '1.1.0') // 'v1_0_0_to_v1_1_0'
 */
export const fileNameOfEdge = (from: string, to: string): string =>
  `v${from.replace(/\./g, '_')}_to_v${to.replace(/\./g, '_')}`;
