import { createHash } from 'node:crypto';

/**
 * Salesforce-looking record ids: 3-char key prefix + 2-char instance + reserved `0` + 9 base-62
 * chars = 15 case-sensitive chars, plus the 3-char case-folding checksum that makes the 18-char
 * form. Connectors compare ids, slice prefixes and sometimes lower-case them, so the shape matters.
 */

export const KEY_PREFIXES = {
  Account: '001',
  Contact: '003',
  User: '005',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  Lead: '00Q',
  Task: '00T',
  Event: '00U',
  Group: '00G',
  Organization: '00D',
  Campaign: '701',
  CampaignMember: '00v',
  QueryLocator: '01g',
  BulkJob: '750',
} as const;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** Seeded (world-derived) ids and API-created ids use different instance chars so they never collide. */
const SEEDED_INSTANCE = '5W';
const CREATED_INSTANCE = '8E';

const ID_15 = /^[a-zA-Z0-9]{15}$/;
const ID_18 = /^[a-zA-Z0-9]{18}$/;

export function checksumSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits];
  }
  return suffix;
}

/**
 * Canonical 18-char id for a 15- or 18-char input, or `undefined` when the input cannot be an id.
 * An 18-char input with a wrong checksum is rejected, like Salesforce's MALFORMED_ID.
 */
export function normalizeId(input: string): string | undefined {
  if (ID_15.test(input)) return input + checksumSuffix(input);
  if (ID_18.test(input)) {
    const head = input.slice(0, 15);
    // Salesforce accepts the suffix in any case.
    return checksumSuffix(head) === input.slice(15).toUpperCase() ? head + checksumSuffix(head) : undefined;
  }
  return undefined;
}

function toBase62(n: bigint, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    out = BASE62[Number(v % 62n)] + out;
    v /= 62n;
  }
  return out;
}

function build(prefix: string, instance: string, unique9: string): string {
  const id15 = `${prefix}${instance}0${unique9}`;
  return id15 + checksumSuffix(id15);
}

/** Deterministic id derived from a stable key (e.g. a world key), so seeds are reproducible. */
export function idFromKey(prefix: string, key: string, salt = 0): string {
  const digest = createHash('sha1').update(`${prefix}:${key}:${salt}`).digest();
  return build(prefix, SEEDED_INSTANCE, toBase62(digest.readBigUInt64BE(0), 9));
}

/** Sequential ids for records created through the API; sortable in creation order like real ids. */
export class IdSequence {
  private next = 1n;
  make(prefix: string): string {
    const id = build(prefix, CREATED_INSTANCE, toBase62(this.next, 9));
    this.next += 1n;
    return id;
  }
}
