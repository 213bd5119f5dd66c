/**
 * Which HTTP proxy a request goes through, decided per URL. jsforce 3.10.26 reads
 * `https_proxy`/`http_proxy` once at import and ignores `NO_PROXY`, so a loopback emulator (or a
 * host an operator excluded) would be sent to the corporate proxy. The connector passes the result
 * of this function with every request instead.
 *
 * - `configured === null`: never use a proxy.
 * - `configured` a URL: use it, except for loopback hosts and `NO_PROXY` matches.
 * - `configured === undefined`: the environment's `HTTPS_PROXY`/`HTTP_PROXY` (either case), same
 *   exceptions.
 */
export function proxyFor(
  url: string,
  configured: string | null | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (configured === null) return undefined;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return undefined;
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (excludedByNoProxy(host, port, env.NO_PROXY ?? env.no_proxy)) return undefined;
  if (configured !== undefined) return configured;
  const fromEnv =
    target.protocol === 'https:'
      ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy)
      : (env.HTTP_PROXY ?? env.http_proxy);
  return fromEnv?.trim() ? fromEnv.trim() : undefined;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

/** curl's NO_PROXY rules: `*`, exact hosts, domain suffixes (`.example.com` or `example.com`), optional `:port`. */
function excludedByNoProxy(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [name, entryPort] = entry.split(/:(?=\d+$)/) as [string, string | undefined];
    if (entryPort && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}
