import type { CrmName } from '../domain/lead.ts';
import {
  type DueRecheck,
  keepsRecheckRecord,
  type RecheckRecord,
  type RecheckRef,
  type RecheckStore,
  recheckKey,
} from '../ports/recheck-store.ts';
import { type BatchGetOptions, batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, type Item, SINGLE, str, stringOf } from './dynamo-table.ts';
import { DUE_INDEX } from './dynamodb-episode-store.ts';

const DAY_MS = 86_400_000;
/** A record outlives its last write by this much (a hold that never ends still ends here). */
const RETENTION_SECONDS = 400 * 86_400;

/**
 * `RecheckStore` on the shared state table:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `recheck\|<crm>\|<objectType>\|<leadId>` | `-` | `recheckAt`, `holdSince`, `inputs` (decision-inputs fingerprint); `dueBucket` = `recheck\|<crm>\|<UTC day>`, `dueAt` = `<recheckAt>#<objectType>\|<leadId>` while a re-check is pending; `ttl` |
 * | `recheckdue\|<crm>\|floor` | `-` | `day`: no index entry of that CRM lies in an earlier day |
 *
 * The index `due` is the episodes' (infra/state-table.yml): its partitions here are
 * `recheck|<crm>|<day>`, which an episode sweep (hour buckets such as `2026-12-02T08`) or the outbox
 * (`outbox`) never queries, and the other way round. An entry is filed under the day of
 * `max(recheckAt, now)`, never a day that has passed, so `dueBefore` queries the days from the floor
 * to the day of `at`: one or two queries per sweep, never a scan (the floor logic of
 * dynamodb-episode-store.ts, by day).
 */
export class DynamoRecheckStore implements RecheckStore {
  readonly #table: DynamoTable;
  readonly #batch: BatchGetOptions;
  readonly #floorEnsured = new Set<CrmName>();

  constructor(table: DynamoTable, options: BatchGetOptions = {}) {
    this.#table = table;
    this.#batch = options;
  }

  async getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>> {
    const items = await batchGetLive(
      this.#table,
      refs.map((r) => pkOf(crm, r)),
      this.#batch,
    );
    const out = new Map<string, RecheckRecord>();
    const prefix = `recheck|${crm}|`;
    for (const [pk, item] of items) {
      const key = pk.slice(prefix.length);
      const cut = key.indexOf('|');
      const inputs = stringOf(item, 'inputs');
      out.set(key, {
        objectType: key.slice(0, cut),
        leadId: key.slice(cut + 1),
        recheckAt: stringOf(item, 'recheckAt'),
        holdSince: stringOf(item, 'holdSince'),
        ...(inputs ? { inputs } : {}),
      });
    }
    return out;
  }

  async schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    for (const r of records) {
      if (!keepsRecheckRecord(r)) {
        await this.#table.delete(pkOf(crm, r));
        continue;
      }
      const item: Item = {
        pk: str(pkOf(crm, r)),
        sk: str(SINGLE),
        ...this.#table.expiry(RETENTION_SECONDS),
      };
      if (r.holdSince !== null) item.holdSince = str(r.holdSince);
      if (r.inputs) item.inputs = str(r.inputs);
      if (r.recheckAt !== null) {
        const now = this.#table.nowMs();
        await this.#ensureFloor(crm, now);
        item.recheckAt = str(r.recheckAt);
        item.dueBucket = str(bucketOf(crm, dayOf(Math.max(Date.parse(r.recheckAt), now))));
        item.dueAt = str(`${r.recheckAt}#${recheckKey(r)}`);
      }
      await this.#table.put(item);
    }
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    for (const r of refs) await this.#table.delete(pkOf(crm, r));
  }

  async dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    const now = this.#table.nowMs();
    const last = dayOf(at.getTime());
    const floorItem = await this.#table.get(floorPk(crm));
    const floor = floorItem && stringOf(floorItem, 'day');
    if (!floor) return [];
    const out: DueRecheck[] = [];
    let firstNonEmpty: string | null = null;
    for (let t = Date.parse(`${floor}T00:00:00.000Z`); dayOf(t) <= last && out.length < limit; t += DAY_MS) {
      const day = dayOf(t);
      const found = await this.#queryDay(crm, day, `${at.toISOString()}#\uffff`, limit - out.length);
      if (found.length > 0) firstNonEmpty ??= day;
      out.push(...found);
    }
    const safe = dayOf(Math.min(now, at.getTime()) - DAY_MS);
    const next = firstNonEmpty !== null && firstNonEmpty < safe ? firstNonEmpty : safe;
    if (next > floor) await this.#table.put({ pk: str(floorPk(crm)), sk: str(SINGLE), day: str(next) });
    return out;
  }

  /** The first entry of a CRM creates its floor at the previous day: nothing is filed below it. */
  async #ensureFloor(crm: CrmName, now: number): Promise<void> {
    if (this.#floorEnsured.has(crm)) return;
    await this.#table.put(
      { pk: str(floorPk(crm)), sk: str(SINGLE), day: str(dayOf(now - DAY_MS)) },
      { expression: 'attribute_not_exists(pk)' },
    );
    this.#floorEnsured.add(crm);
  }

  async #queryDay(crm: CrmName, day: string, upTo: string, limit: number): Promise<DueRecheck[]> {
    const out: DueRecheck[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#table.queryIndex(
        DUE_INDEX,
        'dueBucket = :b AND dueAt <= :t',
        { ':b': str(bucketOf(crm, day)), ':t': str(upTo) },
        { limit: limit - out.length, start },
      );
      for (const item of page.Items ?? []) {
        const sortKey = stringOf(item, 'dueAt') ?? '';
        const cut = sortKey.indexOf('#');
        const key = sortKey.slice(cut + 1);
        const bar = key.indexOf('|');
        out.push({
          recheckAt: sortKey.slice(0, cut),
          objectType: key.slice(0, bar),
          leadId: key.slice(bar + 1),
        });
      }
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }
}

function pkOf(crm: CrmName, ref: RecheckRef): string {
  return `recheck|${crm}|${recheckKey(ref)}`;
}

function floorPk(crm: CrmName): string {
  return `recheckdue|${crm}|floor`;
}

function bucketOf(crm: CrmName, day: string): string {
  return `recheck|${crm}|${day}`;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
