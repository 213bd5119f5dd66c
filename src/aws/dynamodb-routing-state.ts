import { z } from 'zod';
import type { RecordedAssignment, RouteResult, RoutingState } from '../ports/routing-state.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';

/** As long as the file store keeps them: a toss-up can be retried for weeks, capacity is per day. */
const RETENTION_SECONDS = 60 * 86_400;

const RouteResultSchema = z.object({
  ownerId: z.string(),
  ownerKind: z.enum(['user', 'queue']),
  via: z.enum(['account_owner', 'queue', 'requester', 'pool', 'overflow', 'fallback']),
  ownerKey: z.string().optional(),
  poolId: z.string().optional(),
  ruleId: z.string().optional(),
  note: z.string().optional(),
  businessDate: z.string(),
});

/**
 * `RoutingState` on the shared table, so every worker instance gives a retried toss-up the same rep
 * and counts daily capacity once:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `route\|<episode key>` | `-` | `result` (JSON), `version`, expiry |
 * | `daily\|<business date>` | rep key | `n` |
 *
 * Capacity is one conditional `ADD` (`n < capacity`), so concurrent workers never overbook a rep.
 */
export class DynamoRoutingState implements RoutingState {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async getAssignment(key: string): Promise<RecordedAssignment | null> {
    const item = await this.#table.getLive(`route|${key}`);
    return item ? assignmentOf(item) : null;
  }

  async putAssignment(
    key: string,
    result: RouteResult,
    expectedVersion: number | null,
  ): Promise<{ stored: RecordedAssignment; written: boolean }> {
    const pk = `route|${key}`;
    const value = str(JSON.stringify(result));
    const now = num(this.#table.nowMs());
    // Like the memory store: a stored assignment with another version wins; nothing stored (or only
    // an expired one) means this call writes version 1.
    if (expectedVersion !== null) {
      const next = expectedVersion + 1;
      const updated = await this.#table.update(
        pk,
        SINGLE,
        {
          expression: 'SET #r = :r, #v = :next, expiresAtMs = :exp, #ttl = :ttl',
          names: { '#r': 'result', '#ttl': 'ttl' },
          values: { ':r': value, ':next': num(next), ...expiryValues(this.#table) },
        },
        {
          expression: '#v = :expected AND expiresAtMs > :now',
          names: { '#v': 'version' },
          values: { ':expected': num(expectedVersion), ':now': now },
        },
      );
      if (updated) return { stored: { result, version: next }, written: true };
    }
    const created = await this.#table.put(
      {
        pk: str(pk),
        sk: str(SINGLE),
        result: value,
        version: num(1),
        ...this.#table.expiry(RETENTION_SECONDS),
      },
      { expression: 'attribute_not_exists(pk) OR expiresAtMs <= :now', values: { ':now': now } },
    );
    if (created) return { stored: { result, version: 1 }, written: true };
    const current = await this.getAssignment(key);
    if (!current)
      throw new StateUnavailableError(`routing assignment ${key} changed while it was being written; retry`);
    return { stored: current, written: false };
  }

  async getDailyCount(repKey: string, businessDate: string): Promise<number> {
    const item = await this.#table.get(`daily|${businessDate}`, repKey);
    return item ? (numberOf(item, 'n') ?? 0) : 0;
  }

  async reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean> {
    const updated = await this.#table.update(
      `daily|${businessDate}`,
      repKey,
      {
        expression: 'ADD #n :one SET #ttl = :ttl',
        names: { '#n': 'n', '#ttl': 'ttl' },
        values: { ':one': num(1), ':ttl': expiryValues(this.#table)[':ttl']! },
      },
      capacity === null
        ? undefined
        : {
            expression: 'attribute_not_exists(#n) OR #n < :cap',
            names: { '#n': 'n' },
            values: { ':cap': num(capacity) },
          },
    );
    return updated !== null;
  }

  async releaseSlot(repKey: string, businessDate: string): Promise<void> {
    await this.#table.update(
      `daily|${businessDate}`,
      repKey,
      { expression: 'ADD #n :minus', names: { '#n': 'n' }, values: { ':minus': num(-1) } },
      { expression: '#n > :zero', names: { '#n': 'n' }, values: { ':zero': num(0) } },
    );
  }
}

function expiryValues(table: DynamoTable): Item {
  const e = table.expiry(RETENTION_SECONDS);
  return { ':exp': e.expiresAtMs!, ':ttl': e.ttl! };
}

function assignmentOf(item: Item): RecordedAssignment {
  const version = numberOf(item, 'version');
  let parsed: ReturnType<typeof RouteResultSchema.safeParse> | null = null;
  try {
    parsed = RouteResultSchema.safeParse(JSON.parse(stringOf(item, 'result') ?? 'null'));
  } catch {
    parsed = null;
  }
  if (version === null || !parsed?.success) {
    throw new StateUnavailableError(
      `the routing item ${stringOf(item, 'pk')} in DynamoDB is not a valid assignment; delete that item and the lead is routed afresh`,
    );
  }
  return { result: parsed.data, version };
}
