import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder, scanSecrets } from '../../scripts/scan-secrets.ts';

/**
 * The secret scan CI runs (`npm run scan:secrets`, reliability table D16) finds a credential and
 * prints it masked. The planted token is generated here, so this file holds no token-shaped text
 * for the repository scan to find.
 */
const dir = mkdtempSync(join(tmpdir(), 'tossup-secret-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alnum = (n: number) =>
  [...randomBytes(n)]
    .map((b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 62])
    .join('');

describe('secret scan', () => {
  it('fails on a GitHub token in a bundle and shows it masked; passes the same file without it', () => {
    const token = `ghp_${alnum(36)}`;
    writeFileSync(join(dir, 'leaky.mjs'), `const auth = "${token}";\nexport { auth };\n`);
    writeFileSync(join(dir, 'clean.mjs'), 'const auth = process.env.TOKEN;\nexport { auth };\n');
    const leaky = scanSecrets(filesUnder(join(dir, 'leaky.mjs')));
    expect(leaky.status).toBe(1);
    expect(leaky.output).toMatch(/GITHUB_TOKEN/);
    expect(leaky.output).not.toContain(token);
    expect(scanSecrets(filesUnder(join(dir, 'clean.mjs')))).toMatchObject({ status: 0, files: 1 });
  });
});
