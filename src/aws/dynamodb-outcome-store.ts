import type { CrmName } from '../domain/lead.ts';
import { type OpportunityOutcome, type OutcomeStore, outcomeId } from '../ports/outcome-store.ts';
import { type DynamoTable, str, stringOf } from './dynamo-table.ts';

/** Parallel GetItem calls at most (one page of the phase asks for up to ~200 records). */
const GET_CONCURRENCY = 16;

/**
 * `OutcomeStore` on the shared state table, one partition per CRM so `list` is one Query:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `outcomes\|<crm>` | `<opportunityId>\|<leadId>` | `record` (the outcome as JSON) |
 *
 * No expiry: outcomes are the review's record. Ids only (CRM record ids and codes), no personal data.
 */
export class DynamoOutcomeStore implements OutcomeStore {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, OpportunityOutcome>> {
    const out = new Map<string, OpportunityOutcome>();
    const wanted = [...new Set(ids)];
    for (let i = 0; i < wanted.length; i += GET_CONCURRENCY) {
      await Promise.all(
        wanted.slice(i, i + GET_CONCURRENCY).map(async (id) => {
          const { pk, sk } = keyOf(id);
          const item = await this.#table.get(pk, sk);
          const json = item ? stringOf(item, 'record') : null;
          if (json) out.set(id, JSON.parse(json) as OpportunityOutcome);
        }),
      );
    }
    return out;
  }

  async putMany(outcomes: readonly OpportunityOutcome[]): Promise<void> {
    for (let i = 0; i < outcomes.length; i += GET_CONCURRENCY) {
      await Promise.all(
        outcomes.slice(i, i + GET_CONCURRENCY).map((o) => {
          const { pk, sk } = keyOf(outcomeId(o));
          return this.#table.put({ pk: str(pk), sk: str(sk), record: str(JSON.stringify(o)) });
        }),
      );
    }
  }

  async list(crm: CrmName): Promise<OpportunityOutcome[]> {
    const items = await this.#table.query(`outcomes|${crm}`);
    return items.flatMap((item) => {
      const json = stringOf(item, 'record');
      return json ? [JSON.parse(json) as OpportunityOutcome] : [];
    });
  }
}

/** `<crm>:<opportunityId>:<leadId>` → partition and sort key (CRM ids hold no `:` or `|`). */
function keyOf(id: string): { pk: string; sk: string } {
  const [crm, opportunityId, leadId] = id.split(':');
  return { pk: `outcomes|${crm}`, sk: `${opportunityId}|${leadId}` };
}
