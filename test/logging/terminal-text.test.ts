import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { syncCommand } from '../../src/cli/commands/sync.ts';
import { overrideConnect } from '../../src/composition/crm-registry.ts';
import { terminalSafe, terminalSafeLines } from '../../src/logging/terminal-text.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { coldLead, hotLead, NOW } from '../pipeline/pipeline-fixtures.ts';

const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = 'A\u001b[31mB\u0007C\u202ED\r\nE\u009bF\u2066G\u0000H';

describe('terminalSafe', () => {
  it('shows control, bidi and line-break characters as visible escapes', () => {
    expect(terminalSafe(HOSTILE)).toBe('A\\x1b[31mB\\x07C\\u202eD\\r\\nE\\x9bF\\u2066G\\x00H');
    expect(terminalSafe('\t\u007f\u2028\u200f')).toBe('\\t\\x7f\\u2028\\u200f');
  });

  it('leaves Japanese, emoji and ordinary punctuation as they are', () => {
    const text = '株式会社テスト 営業部長 👨‍👩‍👧 (é) — 100%';
    expect(terminalSafe(text)).toBe(text);
  });

  it('keeps the line breaks between lines of multi-line output, and only those', () => {
    expect(terminalSafeLines(`one\u001b\ntwo\r`)).toBe('one\\x1b\ntwo\\r');
  });
});

describe('tossup sync output', () => {
  afterEach(() => overrideConnect('salesforce', undefined));

  it('escapes CRM values in the dry-run plan and CRM messages in the summary', async () => {
    const crm = new FakeCrm();
    crm.put(
      hotLead('H1', {
        company: { name: `株式会社${HOSTILE}`, employees: 1200, industry: 'manufacturing', region: '東京都' },
      }),
    );
    crm.put(coldLead('S1'));
    crm.failRecord(
      'update',
      'S1',
      'invalid_record',
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      1,
      `bad value ${HOSTILE}`,
    );
    overrideConnect('salesforce', () => crm.connector());
    const dir = mkdtempSync(join(tmpdir(), 'tossup-terminal-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    let out = '';
    const stdout = new PassThrough().on('data', (d) => {
      out += d;
    });
    const env = {
      TOSSUP_SALESFORCE_CLIENT_ID: 'cid',
      TOSSUP_SALESFORCE_CLIENT_SECRET: 'secret-client',
      TOSSUP_SALESFORCE_USERNAME: 'u',
      TOSSUP_SALESFORCE_PASSWORD: 'p',
      TOSSUP_STATE_DIR: `${dir}/state`,
      TOSSUP_RUNS_DIR: `${dir}/runs`,
      TOSSUP_RULES: 'large',
    };
    const io = { env, stdout, stderr: new PassThrough(), clock: fixedClock(NOW), profileFiles: [] };
    await syncCommand({ crm: 'salesforce', locale: 'en', dryRun: true }, io);
    expect(out).toContain('task [new]: [Toss-up] 株式会社A\\x1b[31mB\\x07C\\u202eD\\r\\nE\\x9bF');
    await syncCommand({ crm: 'salesforce', locale: 'en' }, io);
    expect(out).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION: bad value A\\x1b[31mB\\x07C\\u202eD');
    expect(out).not.toMatch(RAW_CONTROL);
  });
});
