import { describe, expect, it } from 'vitest';
import { bulkCsvRows } from '../../../connectors/salesforce/bulk-csv.ts';
import { backoffDelay } from '../../../connectors/salesforce/call-runner.ts';
import { classifyCallFailure, classifyRecordError } from '../../../connectors/salesforce/classify-error.ts';
import { endpointOf } from '../../../connectors/salesforce/client.ts';
import { detached } from '../../../connectors/salesforce/detached-string.ts';
import {
  changedPersonsSoql,
  chunkIdsForUrl,
  idList,
  lostAccountsSoql,
  MAX_QUERY_URL_CHARS,
  personsByIdSoql,
  responseTriggersSoql,
  soqlDateTime,
  soqlString,
} from '../../../connectors/salesforce/soql.ts';
import { fitText } from '../../../src/domain/text-length.ts';
import { mapping } from './sf-kit.ts';

/** A whole page's rows at once. */
const parseBulkCsv = (text: string) => [...bulkCsvRows(text)];

describe('SOQL builders', () => {
  it('escapes string literals and writes unquoted dateTime literals (seconds when whole)', () => {
    expect(soqlString("O'Reilly \\ 株式会社")).toBe("'O\\'Reilly \\\\ 株式会社'");
    expect(soqlDateTime(Date.parse('2026-11-20T01:02:03.000Z'))).toBe('2026-11-20T01:02:03Z');
    expect(soqlDateTime(Date.parse('2026-11-20T01:02:03.450Z'))).toBe('2026-11-20T01:02:03.450Z');
    expect(idList(['00Q1', '00Q2'])).toBe("('00Q1', '00Q2')");
  });

  it('reads a window [from, to) in SystemModstamp, Id order, with the responses subquery when asked', () => {
    const soql = changedPersonsSoql(
      mapping,
      'Lead',
      { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-20T00:00:00Z') },
      { respondedSince: Date.parse('2026-08-22T00:00:00Z'), withResponses: true },
    );
    expect(soql).toMatch(/^SELECT Id, IsDeleted, SystemModstamp, IsConverted, OwnerId, Name, Company, /);
    expect(soql).toContain(
      '(SELECT FirstRespondedDate, Campaign.Type, Campaign.Name FROM CampaignMembers WHERE HasResponded = true AND FirstRespondedDate >= 2026-08-22 ORDER BY FirstRespondedDate DESC LIMIT 20)',
    );
    expect(soql).toMatch(
      / FROM Lead WHERE SystemModstamp >= 2026-11-01T00:00:00Z AND SystemModstamp < 2026-11-20T00:00:00Z ORDER BY SystemModstamp, Id$/,
    );
    const contact = changedPersonsSoql(
      mapping,
      'Contact',
      { from: null, to: 0 },
      { respondedSince: 0, withResponses: false },
    );
    expect(contact).toContain('Account.TossUp_Lost_Opportunities__c');
    expect(contact).toContain('AccountId');
    expect(contact).not.toContain('CampaignMembers');
    expect(contact).toContain('WHERE SystemModstamp < 1970-01-01T00:00:00Z ORDER BY');
  });

  it('asks for response triggers of persons that did not change after the window start', () => {
    const soql = responseTriggersSoql(
      { from: Date.parse('2026-11-19T00:00:00Z'), to: Date.parse('2026-11-20T00:00:00Z') },
      0,
    );
    expect(soql).toContain(
      'FROM CampaignMember WHERE SystemModstamp >= 2026-11-19T00:00:00Z AND SystemModstamp < 2026-11-20T00:00:00Z',
    );
    expect(soql).toContain(
      '(Lead.SystemModstamp <= 2026-11-19T00:00:00Z OR Contact.SystemModstamp <= 2026-11-19T00:00:00Z)',
    );
    expect(lostAccountsSoql(null, 365)).toBe(
      'SELECT AccountId FROM Opportunity WHERE IsClosed = true AND IsWon = false AND AccountId != null AND CloseDate = LAST_N_DAYS:365',
    );
  });

  it('cuts id lists so every query URL stays under the 16,384-byte limit', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `00Q5W00000${String(i).padStart(6, '0')}AA`);
    const build = (chunk: readonly string[]) => personsByIdSoql(mapping, 'Lead', chunk, 0);
    const chunks = chunkIdsForUrl(ids, build);
    expect(chunks.flat()).toEqual(ids);
    for (const c of chunks)
      expect(`/services/data/v62.0/query?q=${encodeURIComponent(build(c))}`.length).toBeLessThanOrEqual(
        MAX_QUERY_URL_CHARS,
      );
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(ids.length / 350));
    expect(chunkIdsForUrl([], build)).toEqual([]);
  });
});

describe('Bulk CSV', () => {
  it('parses quoted values with commas, quotes, line breaks and other delimiters; blanks are null', () => {
    const csv =
      '"Id","Company","Account.Name","NumberOfEmployees"\n"00Q1","A, Inc. ""East""","x;y|z^w","12"\n"00Q2","複数\n行","",""\n';
    expect(parseBulkCsv(csv)).toEqual([
      { Id: '00Q1', Company: 'A, Inc. "East"', 'Account.Name': 'x;y|z^w', NumberOfEmployees: '12' },
      { Id: '00Q2', Company: '複数\n行', 'Account.Name': null, NumberOfEmployees: null },
    ]);
    expect(parseBulkCsv('"Id"\n')).toEqual([]);
    expect(parseBulkCsv('')).toEqual([]);
  });

  it('parses a page row by row as the rows are asked for, stopping wherever the reader stops', () => {
    const rows = bulkCsvRows('"Id","Name"\n"00Q1","a"\n"00Q2",""\n"00Q3"');
    expect(rows.next().value).toEqual({ Id: '00Q1', Name: 'a' });
    expect(rows.next().value).toEqual({ Id: '00Q2', Name: null });
    expect(rows.next().value).toEqual({ Id: '00Q3', Name: null });
    expect(rows.next().done).toBe(true);
  });

  it('detached copies of campaign texts and ids equal the text read', () => {
    const page =
      '"Campaign.Name"\n"2026年 秋の展示会 東京ビッグサイト"\n"2026年 秋の展示会 東京ビッグサイト"\n';
    const [a, b] = parseBulkCsv(page).map((r) => r['Campaign.Name']!);
    expect(detached(a!)).toBe(a);
    expect(detached(b!)).toBe(a);
    expect(detached('001000000000001AAA'.slice(0, 15))).toBe('001000000000001');
  });

  it('parses any text as the character-at-a-time reference parser does (BOM, CRLF, doubled and stray quotes)', () => {
    const alphabet = ['a', 'b', '日', ',', '"', '"', '\n', '\r', '\r\n', ' ', ';'];
    let seed = 17;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let k = 0; k < 2000; k++) {
      const len = next() % 40;
      let text = next() % 5 === 0 ? '\ufeff' : '';
      for (let j = 0; j < len; j++) text += alphabet[next() % alphabet.length];
      expect(parseBulkCsv(text), JSON.stringify(text)).toEqual(referenceParse(text));
    }
  });
});

describe('error classification table', () => {
  it.each([
    ['UNABLE_TO_LOCK_ROW', 'transient'],
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'invalid_record'],
    ['ENTITY_IS_DELETED', 'invalid_record'],
    ['CANNOT_UPDATE_CONVERTED_LEAD', 'invalid_record'],
    ['INVALID_FIELD', 'config'],
    ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'config'],
    ['STRING_TOO_LONG', 'config'],
    ['INVALID_SESSION_ID', 'auth'],
    ['SOMETHING_NEW', 'invalid_record'],
  ])('per record %s → %s', (code, kind) => {
    expect(classifyRecordError(code).kind).toBe(kind);
  });

  it('tells the daily allowance from the concurrency limit, and classifies whole calls by status', () => {
    expect(classifyRecordError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.').kind).toBe(
      'quota_exhausted',
    );
    expect(
      classifyCallFailure({
        status: 403,
        code: 'REQUEST_LIMIT_EXCEEDED',
        message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.',
      }).kind,
    ).toBe('rate_limited');
    expect(classifyCallFailure({ status: 401, code: 'INVALID_SESSION_ID', message: '' }).kind).toBe('auth');
    expect(classifyCallFailure({ status: 403, code: 'INSUFFICIENT_ACCESS', message: '' }).kind).toBe('auth');
    expect(classifyCallFailure({ status: 400, code: 'MALFORMED_QUERY', message: '' }).kind).toBe('config');
    expect(classifyCallFailure({ status: 503, code: 'ERROR_HTTP_503', message: '' })).toEqual({
      kind: 'transient',
      code: 'http_503',
    });
    expect(classifyCallFailure({ status: 500, code: 'INVALID_FIELD', message: '' }).kind).toBe('transient');
    expect(classifyCallFailure({ status: 429, code: 'ERROR_HTTP_429', message: '' }).kind).toBe(
      'rate_limited',
    );
    expect(classifyCallFailure({ status: 412, code: 'JOB_NOT_COMPLETE', message: '' }).kind).toBe(
      'transient',
    );
    expect(classifyCallFailure({ status: null, code: 'ECONNRESET', message: '' })).toEqual({
      kind: 'transient',
      code: 'econnreset',
    });
    expect(
      classifyCallFailure({ status: 400, code: 'invalid_grant', message: 'authentication failure' }).kind,
    ).toBe('auth');
  });
});

describe('small helpers', () => {
  it('names endpoints for the usage counters', () => {
    const base = 'https://acme.my.salesforce.com/services/data/v62.0';
    expect(endpointOf('GET', `${base}/query?q=x`)).toBe('query');
    expect(endpointOf('GET', `${base}/query/01gABC-2000`)).toBe('queryMore');
    expect(endpointOf('PATCH', `${base}/composite/sobjects`)).toBe('collections.update');
    expect(endpointOf('PATCH', `${base}/composite/sobjects/Task/TossUp_Key__c`)).toBe('collections.upsert');
    expect(endpointOf('GET', `${base}/jobs/query/750x/results?locator=a`)).toBe('bulk2.results');
    expect(endpointOf('GET', `${base}/jobs/query/750x`)).toBe('bulk2.poll');
    expect(endpointOf('POST', 'https://login.salesforce.com/services/oauth2/token')).toBe('oauth.token');
    expect(endpointOf('GET', 'https://acme.my.salesforce.com/services/data')).toBe('versions');
  });

  it('fits text to a field length in UTF-16 units without splitting a surrogate pair', () => {
    expect(fitText('短い理由', 255)).toBe('短い理由');
    expect(fitText('abcdef', 4)).toBe('abc…');
    const cut = fitText(`ab${'😀'.repeat(5)}`, 5);
    expect(cut.length).toBeLessThanOrEqual(5);
    expect(cut).toBe('ab😀…');
  });
});

describe('record ids', () => {
  it('accepts 15-character ids and 18-character ids whose case-safe suffix matches', async () => {
    const { isSalesforceId } = await import('../../../connectors/salesforce/soql.ts');
    expect(isSalesforceId('005000000000001')).toBe(true);
    expect(isSalesforceId('005000000000001AAA')).toBe(true);
    expect(isSalesforceId('00Q000000000000EAA')).toBe(true);
    expect(isSalesforceId('00Q000000000000AAA')).toBe(false);
    expect(isSalesforceId("00Q' OR Id != '")).toBe(false);
  });
});

describe('retry delays', () => {
  const policy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 8_000 };

  it('draws each wait uniformly below a cap that doubles per attempt up to the maximum (full jitter)', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(policy, a, () => 0.999_999))).toEqual([
      499, 999, 1_999, 3_999, 7_999, 7_999,
    ]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(1_000);
  });

  it('spreads the waits of clients that failed together instead of retrying in lockstep', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return (seed - 1) / 2_147_483_646;
    };
    const waits = Array.from({ length: 200 }, () => backoffDelay(policy, 4, random));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(4_000);
    expect(new Set(waits).size).toBeGreaterThan(150);
    // Roughly uniform: about half of them in each half of the window.
    const low = waits.filter((w) => w < 2_000).length;
    expect(low).toBeGreaterThan(70);
    expect(low).toBeLessThan(130);
  });
});

/** The parser as it was (a character at a time): the reference the sliced one must equal. */
function referenceParse(text: string): Record<string, string | null>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const header = rows.shift();
  if (!header) return [];
  return rows
    .filter((cells) => !(cells.length === 1 && cells[0] === ''))
    .map((cells) => {
      const out: Record<string, string | null> = {};
      header.forEach((name, j) => {
        const v = cells[j];
        out[name] = v === undefined || v === '' ? null : v;
      });
      return out;
    });
}
