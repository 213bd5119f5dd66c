import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Value rules shared by the CRM settings schemas (connectors/<crm>/module.ts) and the CLI's own
 * settings, so a URL or a path means the same from a profile, an environment variable or a secret.
 */

/** A non-empty string, trimmed (environment variables and YAML often carry stray spaces). */
export const SettingText = z.string().trim().min(1, { error: 'is empty' });

/** https, or http on loopback (the emulators) or when `allowHttp` (an API base such as a proxy). */
export function isHttpUrl(text: string, allowHttp = false): boolean {
  try {
    const u = new URL(text);
    return (
      u.protocol === 'https:' ||
      ((allowHttp || u.hostname === 'localhost' || u.hostname === '127.0.0.1') && u.protocol === 'http:')
    );
  } catch {
    return false;
  }
}

export const HttpUrl = (allowHttp = false) =>
  z.string().refine((v) => isHttpUrl(v, allowHttp), { error: 'is not a valid URL' });

/** `~/x` means the home directory, as in a shell; relative paths are taken from the working directory. */
export function expandHome(path: string): string;
export function expandHome(path: string | undefined): string | undefined;
export function expandHome(path: string | undefined): string | undefined {
  return path?.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

export const FilePath = SettingText.transform((p) => resolve(expandHome(p)));
