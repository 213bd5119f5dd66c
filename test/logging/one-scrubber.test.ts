import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { syncCommand } from '../../src/cli/commands/sync.ts';
import { overrideConnect } from '../../src/composition/crm-registry.ts';
import { CrmError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { scrubText } from '../../src/logging/scrub.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { LogCapture } from '../handlers/support/harness.ts';
import { coldLead, NOW, salesforceCliEnv } from '../pipeline/pipeline-fixtures.ts';

/**
 * One scrubber (src/logging/scrub.ts) for logs, run reports, the skipped list and terminal output
 * (issue 10 #11): the same credentials and personal data are masked on every path, and ordinary
 * English after "token", "password" or "Bearer" is left alone (issue 12: the HubSpot hint).
 */
const SECRETS = {
  session: '00D5g000004XyzA!AQ4AQMxyzSecretSession.value_1',
  bearer: 'ya29.A0ARrdaMsecretbearervalue',
  refreshToken: '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrYnS8vu9pTvXEyCn8DEO5',
  refreshParam: '5Aep861rEfReShToKeN',
  privateKey: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  email: 'taro.yamada@example.co.jp',
  phone: '090-1234-5678',
};

/** Messages a CRM or an SDK could hand us, one secret each (reports keep 300 characters of each). */
const LEAKY = [
  `INVALID_SESSION_ID: session ${SECRETS.session} expired`,
  `request failed (Authorization: Bearer ${SECRETS.bearer})`,
  `refresh token ${SECRETS.refreshToken} was revoked`,
  `POST /services/oauth2/token grant_type=refresh_token&refresh_token=${SECRETS.refreshParam}&x=1`,
  `bad key -----BEGIN PRIVATE KEY-----\n${SECRETS.privateKey}\n-----END PRIVATE KEY----- in settings`,
  `invalid email ${SECRETS.email}, phone ${SECRETS.phone}`,
];

const ORDINARY = [
  'check the private-app token or the OAuth app',
  'the password is wrong or expired',
  'Bearer tokens are required for this call',
  'INVALID_SESSION_ID: Session expired or invalid',
  'invalid_token: the token is expired',
  'record 00Q5g00000ABCdEAAX not found at 2026-11-24T01:00:00Z (correlation 0a1b2c3d-4e5f-6789-abcd-ef0123456789)',
];

function expectNoSecret(text: string, where: string): void {
  for (const [what, value] of Object.entries(SECRETS)) {
    expect(text.includes(value), `${what} leaked into ${where}`).toBe(false);
  }
}

describe('scrubText', () => {
  it.each(LEAKY)('masks %s', (text) => {
    expectNoSecret(scrubText(text), 'the scrubbed text');
  });

  it.each(ORDINARY)('leaves "%s" as it is', (text) => {
    expect(scrubText(text)).toBe(text);
  });
});

describe('logs', () => {
  it('mask the same values in messages and errors, and keep ordinary words', () => {
    const out = new LogCapture();
    const log = createLogger({ destination: out, base: {} });
    for (const m of LEAKY) log.warn({ err: new Error(m), detail: m }, m);
    expectNoSecret(out.text, 'the logs');
    log.info(ORDINARY[0]!);
    expect(out.records().at(-1)).toMatchObject({ msg: ORDINARY[0] });
  });
});

describe('run report, skipped list and terminal output of tossup sync', () => {
  const root = mkdtempSync(join(tmpdir(), 'tossup-scrub-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => overrideConnect('salesforce', undefined));

  async function sync(crm: FakeCrm, name: string) {
    overrideConnect('salesforce', () => crm.connector());
    const dir = join(root, name);
    let out = '';
    let err = '';
    const stdout = new PassThrough().on('data', (d) => {
      out += d;
    });
    const stderr = new PassThrough().on('data', (d) => {
      err += d;
    });
    const code = await syncCommand(
      { crm: 'salesforce', locale: 'en' },
      {
        env: salesforceCliEnv(dir),
        stdout,
        stderr,
        clock: fixedClock(NOW),
        profileFiles: [],
      },
    );
    const [file] = readdirSync(join(dir, 'runs'));
    const report = readFileSync(join(dir, 'runs', file!), 'utf8');
    return { code, out, err, report };
  }

  it('masks what CRM messages quote in the skipped list, in the report and on the terminal', async () => {
    const crm = new FakeCrm();
    LEAKY.slice(0, 5).forEach((message, i) => {
      crm.put(coldLead(`S${i}`));
      crm.failRecord('update', `S${i}`, 'invalid_record', 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 1, message);
    });
    const r = await sync(crm, 'skipped');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.report).skips.samples).toHaveLength(5);
    expect(r.out).toContain(
      'FIELD_CUSTOM_VALIDATION_EXCEPTION: INVALID_SESSION_ID: session <session> expired',
    );
    expectNoSecret(r.report, 'the run report');
    expectNoSecret(r.out + r.err, 'the terminal');
    const stateDir = join(root, 'skipped', 'state');
    const stateText = readdirSync(stateDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    expect(stateText).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expectNoSecret(stateText, 'the state directory');
  });

  it('masks the stop message but keeps the words of a hint', async () => {
    const crm = new FakeCrm();
    crm.put(coldLead('A1'));
    crm.failCall(
      'read',
      new CrmError(
        `HubSpot-style refusal for ${SECRETS.email} with ${LEAKY[3]} — ${ORDINARY[0]} (and its scopes)`,
        { kind: 'auth', crm: 'salesforce', code: 'unauthorized' },
      ),
    );
    const r = await sync(crm, 'stopped');
    expect(r.code).toBe(2);
    const stop = JSON.parse(r.report).stop;
    expect(stop.message).toContain(`— ${ORDINARY[0]} (and its scopes)`);
    expect(r.out).toContain(`— ${ORDINARY[0]} (and its scopes)`);
    expectNoSecret(r.report, 'the run report');
    expectNoSecret(r.out + r.err, 'the terminal');
  });
});
