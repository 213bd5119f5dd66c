import { randomUUID } from 'node:crypto';
import type { CrmName } from '../domain/lead.ts';
import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';
import { compressJson, decompressJson } from './compressed-json.ts';
import { type DynamoTable, type Item, str, stringOf } from './dynamo-table.ts';

/** Writes in flight at once. */
const CONCURRENCY = 16;
/** A group's compressed entries stay well under DynamoDB's 400 KB item limit. */
const MAX_GROUP_BYTES = 300_000;
const GROUP = 'g|';

/**
 * The ledger's outbox on the state table, for the Lambda workers and sweeps of one CRM:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `ledgerq\|<crm>` | `g\|<uuid>`: the entries of one `put` | `entriesz` (the entries as JSON, Brotli), `ids` (string set: the record ids still staged), `readyids` (string set: those no longer awaiting their CRM write) |
 *
 * The same staging the CLI's file outbox gives (docs/ledger.md): a decision is put here before its
 * CRM write, so a container that dies between the write and the append leaves it for the next batch
 * that reads the lead (any container) to settle and append. Entries live only between staging and
 * append: the partition holds what is in flight, or what waits through a Firehose outage.
 *
 * One compressed item per `put` (a worker batch's decisions together), because DynamoDB bills every
 * put, update and delete by the item's size in 1 KB steps: a decision staged alone is 1–2 KB even
 * compressed (~1.9 KB of JSON, mostly the lead's facts), rows of a batch compress together far better
 * (docs/cost.md). `ready` and `remove` only add to and take from the two id sets (atomic set updates,
 * so containers settling entries of the same group never undo each other); the group is deleted when
 * its last id is removed. Items of one entry each (`recordz`/`awaitingz`, or text `record`/`awaiting`)
 * written by earlier builds are still read, settled and removed.
 */
export class DynamoLedgerOutbox implements LedgerOutbox {
  readonly #table: DynamoTable;
  readonly #pk: string;
  /** Where each known record id is staged (sort keys), from this instance's puts and lists. */
  readonly #where = new Map<string, Set<string>>();
  /** The ids a group held when last seen (they only ever shrink). */
  readonly #groups = new Map<string, Set<string>>();

  constructor(table: DynamoTable, crm: CrmName) {
    this.#table = table;
    this.#pk = `ledgerq|${crm}`;
  }

  async put(entries: readonly LedgerOutboxEntry[]): Promise<void> {
    const unique = [...new Map(entries.map((e) => [e.record.record_id, e])).values()];
    if (unique.length === 0) return;
    await inParallel(groupsOf(unique), async ({ entries: group, packed }) => {
      const sk = `${GROUP}${randomUUID()}`;
      const ids = group.map((e) => e.record.record_id);
      await this.#table.put({ pk: str(this.#pk), sk: str(sk), entriesz: { B: packed }, ids: { SS: ids } });
      this.#know(sk, ids);
    });
  }

  async ready(ids: readonly string[]): Promise<void> {
    const { groups, singles } = await this.#locate(ids);
    await inParallel([...groups], ([sk, some]) =>
      this.#table.update(
        this.#pk,
        sk,
        { expression: 'ADD readyids :ids', values: { ':ids': { SS: some } } },
        { expression: 'attribute_exists(pk)' },
      ),
    );
    // Only an entry still there: one appended and removed meanwhile is not brought back.
    await inParallel(singles, (sk) =>
      this.#table.update(
        this.#pk,
        sk,
        { expression: 'REMOVE awaitingz, awaiting' },
        { expression: 'attribute_exists(pk)' },
      ),
    );
  }

  async remove(ids: readonly string[]): Promise<void> {
    const { groups, singles } = await this.#locate(ids);
    await inParallel([...groups], async ([sk, some]) => {
      const removing = new Set(some);
      const known = this.#groups.get(sk);
      // What a group holds only shrinks, so removing all it held when seen empties it.
      let empty = known !== undefined && known.size > 0 && [...known].every((id) => removing.has(id));
      if (!empty) {
        const after = await this.#table.update(
          this.#pk,
          sk,
          { expression: 'DELETE ids :ids', values: { ':ids': { SS: some } } },
          { expression: 'attribute_exists(pk)' },
        );
        const left = after?.ids?.SS ?? [];
        this.#groups.set(sk, new Set(left));
        empty = after !== null && left.length === 0;
      }
      if (empty) {
        await this.#table.delete(this.#pk, sk);
        this.#groups.delete(sk);
      }
      for (const id of some) this.#where.get(id)?.delete(sk);
    });
    await inParallel(singles, (sk) => this.#table.delete(this.#pk, sk));
    for (const sk of singles) for (const at of this.#where.values()) at.delete(sk);
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    const items = await this.#table.query(this.#pk);
    const byId = new Map<string, LedgerOutboxEntry>();
    const add = (e: LedgerOutboxEntry) => {
      const id = e.record.record_id;
      // Staged twice (a retry): the entry no longer awaiting wins.
      const seen = byId.get(id);
      if (!seen || (seen.awaiting && !e.awaiting)) byId.set(id, e);
    };
    for (const item of items) {
      const sk = stringOf(item, 'sk') ?? '';
      const packed = item.entriesz?.B;
      if (packed) {
        const live = new Set(item.ids?.SS ?? []);
        const ready = new Set(item.readyids?.SS ?? []);
        this.#know(sk, [...live]);
        const entries = JSON.parse(decompressJson(packed)) as LedgerOutboxEntry[];
        for (const e of entries) {
          if (!live.has(e.record.record_id)) continue;
          add(ready.has(e.record.record_id) ? { record: e.record } : e);
        }
        continue;
      }
      const record = unpacked(item, 'record');
      if (!record) continue;
      const awaiting = unpacked(item, 'awaiting');
      const entry: LedgerOutboxEntry = {
        record: JSON.parse(record) as LedgerOutboxEntry['record'],
        ...(awaiting ? { awaiting: JSON.parse(awaiting) as NonNullable<LedgerOutboxEntry['awaiting']> } : {}),
      };
      this.#know(sk, [entry.record.record_id], false);
      add(entry);
    }
    return [...byId.values()];
  }

  #know(sk: string, ids: readonly string[], group = true): void {
    if (group) this.#groups.set(sk, new Set(ids));
    for (const id of ids) {
      const at = this.#where.get(id) ?? new Set<string>();
      at.add(sk);
      this.#where.set(id, at);
    }
  }

  /** The groups (with the ids of each) and the single-entry items these ids are staged in. */
  async #locate(ids: readonly string[]): Promise<{ groups: Map<string, string[]>; singles: string[] }> {
    if (ids.some((id) => !this.#where.get(id)?.size)) await this.list();
    const groups = new Map<string, string[]>();
    const singles: string[] = [];
    for (const id of new Set(ids)) {
      for (const sk of this.#where.get(id) ?? []) {
        if (!sk.startsWith(GROUP)) singles.push(sk);
        else groups.set(sk, [...(groups.get(sk) ?? []), id]);
      }
    }
    return { groups, singles };
  }
}

/** The entries in groups whose compressed JSON fits an item, halving a group until it does. */
function groupsOf(
  entries: readonly LedgerOutboxEntry[],
): { entries: LedgerOutboxEntry[]; packed: Uint8Array }[] {
  const packed = compressJson(JSON.stringify(entries));
  if (packed.length <= MAX_GROUP_BYTES || entries.length === 1) return [{ entries: [...entries], packed }];
  const half = Math.ceil(entries.length / 2);
  return [...groupsOf(entries.slice(0, half)), ...groupsOf(entries.slice(half))];
}

/** The JSON of attribute `name` of a single-entry item: compressed (`<name>z`) or as text. */
function unpacked(item: Item, name: string): string | null {
  const z = item[`${name}z`]?.B;
  return z ? decompressJson(z) : stringOf(item, name);
}

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
}
