import { idFromKey, KEY_PREFIXES } from './ids.ts';
import type { SalesforceStore } from './store.ts';

/**
 * Bulk-loads `count` plausible Leads straight into the store (no API, no world), for memory and
 * throughput measurements at 1M scale. Deterministic: lead i always gets the same id and values.
 */
export interface SyntheticLeadOptions {
  /** SystemModstamp of lead 0; later leads are spread over `spreadMs`. Default 2026-01-01. */
  startMs?: number;
  spreadMs?: number;
  /** Id key prefix so several batches never collide. */
  keyPrefix?: string;
}

const TITLES = ['部長', '課長', '取締役', 'Manager', 'Head of IT', '担当', null] as const;
const INDUSTRIES = ['Manufacturing', 'Technology', 'Finance', 'Retail', 'Healthcare', null] as const;
const STATES = ['東京都', '大阪府', '愛知県', '福岡県', '北海道', null] as const;
const HEARING = ['あり', 'なし', '不明'] as const;

export function seedSyntheticLeads(
  store: SalesforceStore,
  count: number,
  opts: SyntheticLeadOptions = {},
): string[] {
  const start = opts.startMs ?? Date.parse('2026-01-01T00:00:00Z');
  const spread = opts.spreadMs ?? 300 * 86_400_000;
  const prefix = opts.keyPrefix ?? 'syn';
  const ids: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = start + Math.floor((i / Math.max(1, count)) * spread);
    const heard = i % 5 === 0;
    ids[i] = store.insert(
      'Lead',
      {
        Id: idFromKey(KEY_PREFIXES.Lead, `${prefix}${i}`),
        LastName: `Lead${i}`,
        FirstName: i % 3 ? 'Taro' : 'Hanako',
        Company: `Company ${i % 50_000}`,
        Email: `lead${i}@c${i % 50_000}.example.jp`,
        Title: TITLES[i % TITLES.length],
        Industry: INDUSTRIES[i % INDUSTRIES.length],
        State: STATES[i % STATES.length],
        NumberOfEmployees: i % 7 === 0 ? null : (i * 37) % 5000,
        Employees_Text__c: i % 7 === 0 ? '50-99' : null,
        pi__score__c: i % 4 === 0 ? null : i % 200,
        LeadSource: i % 2 ? 'Web' : 'Other',
        IS_Budget__c: heard ? HEARING[i % 3] : null,
        IS_Heard_At__c: heard ? at : null,
        Web_Page_Views_30d__c: i % 9,
      },
      { at, createdAt: at - 86_400_000 },
    );
  }
  return ids;
}
