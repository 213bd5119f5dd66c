import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { contactPropertiesFor } from '../../connectors/hubspot/contact-to-lead.ts';
import { parseHubspotMapping } from '../../connectors/hubspot/mapping.ts';
import { parseSalesforceMapping } from '../../connectors/salesforce/mapping.ts';
import { personFields } from '../../connectors/salesforce/soql.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import { EMPTY_CURRENT, TOSSUP_FIELDS } from '../../src/domain/lead.ts';

/**
 * The toss-up fields the product writes and reads back are one list (TOSSUP_FIELDS, the keys of a
 * lead's `current`): both mappings require a field for each and both connectors read each back,
 * which is what lets write-back skip unchanged values.
 */

const CRMS = [
  {
    crm: 'salesforce',
    file: 'mappings/salesforce.yaml',
    parse: parseSalesforceMapping,
    read: (text: string) => {
      const m = parseSalesforceMapping(text, 'salesforce.yaml');
      return { writeBack: m.writeBack, read: [...personFields(m, 'Lead'), ...personFields(m, 'Contact')] };
    },
  },
  {
    crm: 'hubspot',
    file: 'mappings/hubspot.yaml',
    parse: parseHubspotMapping,
    read: (text: string) => {
      const m = parseHubspotMapping(text, 'hubspot.yaml');
      return { writeBack: m.writeBack, read: contactPropertiesFor(m) };
    },
  },
] as const;

function issuePaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => i.path);
    throw e;
  }
  return [];
}

describe('toss-up fields', () => {
  it('are the fields of a lead’s current toss-up values', () => {
    expect([...TOSSUP_FIELDS].sort()).toEqual(Object.keys(EMPTY_CURRENT).sort());
  });

  describe.each(CRMS)('$crm', ({ file, parse, read }) => {
    const text = readFileSync(file, 'utf8');

    it('every one is read back with the lead', () => {
      const { writeBack, read: fields } = read(text);
      for (const f of TOSSUP_FIELDS) expect(fields, f).toContain(writeBack[f]);
    });

    it.each(TOSSUP_FIELDS)('the mapping must name a field for %s', (f) => {
      const doc = parseDocument(text);
      doc.deleteIn(['writeBack', f]);
      expect(issuePaths(() => parse(doc.toString(), file))).toContain(`writeBack.${f}`);
    });
  });
});
