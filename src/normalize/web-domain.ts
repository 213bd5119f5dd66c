/**
 * The host of a website or e-mail domain as accounts and leads are compared by: NFKC, lower case,
 * without scheme ("https://"), user info, path, query, fragment, port, trailing dot and a leading
 * "www." (or "www2." …), since "https://www.example.co.jp/ja/" and "taro@example.co.jp" are one
 * company. Subdomains are NOT folded ("sales.example.co.jp" stays), as a group company often lives
 * under its parent's domain. Anything that is not a host name afterwards is null.
 */

const HOST = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}-]*\p{L}[\p{L}\p{N}-]*$/u;

export function webDomainOf(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  let s = raw.normalize('NFKC').trim().toLowerCase();
  if (s === '') return null;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//u, '').replace(/^\/\//u, '');
  s = s.split(/[/?#]/u, 1)[0] ?? '';
  s = s.slice(s.lastIndexOf('@') + 1);
  s = s.replace(/:\d*$/u, '').replace(/\.$/u, '');
  s = s.replace(/^www\d*\./u, '');
  return HOST.test(s) ? s : null;
}
