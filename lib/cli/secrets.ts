/**
 * Keeping passwords off the terminal: a database URL given on the command line is shown with
 * its password replaced by `***`, and every line the command prints on stderr is cleaned of the
 * passwords of the URLs in its arguments, whatever printed it (a usage error, a driver's error,
 * a stack trace).
 *
 * @since 0.1.0
 */

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** The scheme of a URL, lower-cased (schemes are case-insensitive), or `undefined`. */
export const schemeOf = (url: string): string | undefined => SCHEME.exec(url)?.[1]?.toLowerCase();

/** Query parameters that hold a secret (libpq's `password`, `sslpassword`). */
const SECRET_PARAMS = /([?&](?:ssl)?password=)([^&#]*)/gi;

/**
 * Where the password of `scheme://user:password@host…` is, as [start, end) offsets. The
 * authority ends at the last `@` before the query (an unencoded `@` in a password stays
 * hidden; an `@` in a query parameter such as `application_name=me@host` is not the end).
 */
const passwordSpan = (url: string): [number, number] | undefined => {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (scheme === null) return undefined;
  const query = url.indexOf('?', scheme[0].length);
  const at = (query === -1 ? url : url.slice(0, query)).lastIndexOf('@');
  if (at < scheme[0].length) return undefined;
  const colon = url.indexOf(':', scheme[0].length);
  if (colon === -1 || colon > at) return undefined;
  return [colon + 1, at];
};

/**
 * The URL with its password (and `password=` query parameters) replaced by `***`, for messages.
 *
 * @example
 * redactUrl('postgres://app:S3cret@db/app') // 'postgres://app:***@db/app'
 */
export const redactUrl = (url: string): string => {
  const span = passwordSpan(url);
  const bare = span === undefined ? url : `${url.slice(0, span[0])}***${url.slice(span[1])}`;
  return bare.replace(SECRET_PARAMS, '$1***');
};

/** The passwords in a URL, as written and decoded, longest first. */
const passwordsOf = (url: string): string[] => {
  const span = passwordSpan(url);
  const found = [
    ...(span === undefined ? [] : [url.slice(span[0], span[1])]),
    ...[...url.matchAll(SECRET_PARAMS)].map((m) => m[2]!),
  ];
  const decoded = found.flatMap((secret) => {
    try {
      return [decodeURIComponent(secret)];
    } catch {
      return [];
    }
  });
  return [...new Set([...found, ...decoded])].filter((s) => s !== '');
};

/**
 * The passwords of the URLs among command-line arguments (`--store URL`, `--store=URL`, or
 * anywhere else), longest first.
 *
 * @example
 * secretsOf(['migrate', '--store=postgres://app:S3cret@db/app']) // ['S3cret']
 */
export const secretsOf = (argv: readonly string[]): string[] =>
  [...new Set(argv.flatMap((arg) => passwordsOf(arg.replace(/^--?[A-Za-z-]+=/, ''))))].sort(
    (a, b) => b.length - a.length,
  );

/**
 * Any `scheme://user:password@` in text: the password is replaced wherever it comes from, up
 * to the last `@` before the path, query or fragment (a password may hold an unencoded `@`).
 */
const USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/?#]*@/g;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with the passwords of URLs hidden: every `scheme://user:…@` and `password=…`, and
 * every one of `secrets` where a URL or a connection string would hold it (`:secret@`,
 * `password=secret`), as written or decoded; the rest of the text is left as it is.
 *
 * @example
 * hideSecrets('cannot reach POSTGRES://app:S3cret@db', ['S3cret']) // 'cannot reach POSTGRES://app:***@db'
 */
export const hideSecrets = (text: string, secrets: readonly string[]): string => {
  // The known secrets first: a generic pattern could stop inside one (`p@ss`).
  let hidden = text;
  for (const secret of secrets) {
    const quoted = escapeRegExp(secret);
    hidden = hidden
      .replace(new RegExp(`:${quoted}@`, 'g'), ':***@')
      .replace(new RegExp(`(password\\s*=\\s*'?)${quoted}`, 'gi'), '$1***');
  }
  return hidden.replace(USERINFO, '$1***@').replace(SECRET_PARAMS, '$1***');
};
