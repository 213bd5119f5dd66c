import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSalesforceMapping, parseSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import { parseSalesforceOptions } from '../../../connectors/salesforce/settings.ts';
import { ConfigError } from '../../../src/domain/errors.ts';

// mappings/salesforce.yaml and the connector options: every mistake reported with file:line, the
// path, and the fix; all of them at once.

const shipped = readFileSync('mappings/salesforce.yaml', 'utf8');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('mappings/salesforce.yaml', () => {
  it('the shipped mapping is valid', () => {
    const m = loadSalesforceMapping('mappings/salesforce.yaml');
    expect(m.writeBack.flagValues).toEqual({ yes: 'はい', no: 'いいえ', hold: '一時保留' });
    expect(m.account.previouslyLost).toEqual({ rollupField: 'TossUp_Lost_Opportunities__c' });
  });

  it('reports a misspelt key, a bad API name and a shared picklist value with file:line, path and fix', () => {
    const text = shipped
      .replace('  reason: TossUp_Reason__c', '  reasn: TossUp_Reason__c')
      .replace(
        '  title: Title\n  department: Department__c',
        '  title: Job Title\n  department: Department__c',
      )
      .replace('    hold: 一時保留', '    hold: はい');

    const err = configError(() => parseSalesforceMapping(text, 'mappings/salesforce.yaml'));
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i]));

    expect(byPath['writeBack.reasn']).toMatchObject({
      file: 'mappings/salesforce.yaml',
      line: lineOf(text, '  reasn: TossUp_Reason__c'),
      message: 'unknown key "reasn"',
    });
    expect(byPath['writeBack.reasn']!.hint).toContain('did you mean "reason"?');
    expect(byPath['lead.title']).toMatchObject({
      line: lineOf(text, 'title: Job Title'),
      message: 'not a Salesforce field API name',
    });
    expect(byPath['lead.title']!.hint).toContain('Fields & Relationships');
    // The formatted error names file:line and the fix, ready for the CLI.
    expect(err.message).toMatch(
      /mappings\/salesforce\.yaml:\d+:\d+ writeBack\.reasn: unknown key "reasn"\n {2}hint: did you mean "reason"\?/,
    );
  });

  it('checks cross-field rules: distinct picklist values, no writing into an input', () => {
    const text = shipped
      .replace('    hold: 一時保留', '    hold: はい')
      .replace('  behaviourScore: TossUp_Behaviour_Score__c', '  behaviourScore: pi__score__c');
    const err = configError(() => parseSalesforceMapping(text, 'm.yaml'));
    // In line order: behaviourScore comes before flagValues in the file.
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'writeBack.behaviourScore: "pi__score__c" is also read as maBehaviourScore',
      'writeBack.flagValues.hold: "hold" uses the same picklist value "はい" as "yes"',
    ]);
    expect(err.issues[1]!.line).toBe(lineOf(text, '    hold: はい'));
    expect(err.issues[0]!.hint).toContain('tossup setup salesforce');
  });

  it('a missing file is a ConfigError that says what to do', () => {
    const err = configError(() => loadSalesforceMapping('nope/salesforce.yaml'));
    expect(err.issues[0]).toMatchObject({ file: 'nope/salesforce.yaml', line: 0 });
    expect(err.issues[0]!.hint).toContain('mappings/salesforce.yaml');
  });
});

describe('connector options', () => {
  it('applies defaults: API 62.0, 60 s timeout, 80% allowance, 200 per write, Bulk above 5,000', () => {
    const o = parseSalesforceOptions({
      loginUrl: 'https://login.salesforce.com',
      auth: { flow: 'jwt', clientId: 'key', username: 'tossup@example.co.jp', privateKeyFile: 'server.key' },
    });
    expect(o).toMatchObject({
      apiVersion: '62.0',
      requestTimeoutMs: 60_000,
      allowanceShare: 0.8,
      writeBatchSize: 200,
      readBatchSize: 2000,
      bulkThreshold: 5_000,
      retry: { maxAttempts: 4 },
    });
  });

  it('reports every bad option at once, naming it and the fix', () => {
    const err = configError(() =>
      parseSalesforceOptions({
        loginUrl: 'login.salesforce.com',
        auth: { flow: 'jwt', clientId: 'key', username: 'u@example.com' },
        apiVersion: '40.0',
        writeBatchSize: 500,
        allowanceShare: 1.5,
        bulkTreshold: 10,
      }),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(
      ['', 'allowanceShare', 'apiVersion', 'auth.privateKey', 'loginUrl', 'writeBatchSize'].sort(),
    );
    expect(err.issues.find((i) => i.path === 'auth.privateKey')!.hint).toContain('connected app');
    expect(err.issues.find((i) => i.path === '')!.hint).toContain('bulkTreshold');
  });
});
