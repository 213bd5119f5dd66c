import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FailureKind } from '../domain/errors.ts';
import type { SyncCursor } from '../ports/lead-source.ts';
import {
  CursorConflictError,
  type LeaseAttempt,
  type LeaseHolder,
  type LeaseStore,
  type StoredCursor,
  type StoredLease,
} from '../ports/state-store.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import type { SkippedRecord, SyncStateStore } from '../ports/sync-state-store.ts';
import { newestFirst } from '../state/memory-state-store.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';

const SyncCursorSchema = z.object({ modifiedAt: z.string(), idsAtModifiedAt: z.array(z.string()) });
const SkippedRecordSchema = z.object({
  scope: z.string(),
  leadId: z.string(),
  objectType: z.string(),
  stage: z.enum(['plan', 'task', 'write']),
  kind: z.enum(Object.values(FailureKind) as [FailureKind, ...FailureKind[]]),
  code: z.string(),
  message: z.string(),
  at: z.string(),
});

/** Bounded retries of the counter's read-modify-write when a set expires under our feet. */
const COUNT_ATTEMPTS = 5;
/** An expired lease item stays this long for the record before DynamoDB's TTL may remove it. */
const LEASE_KEEP_SECONDS = 86_400;

/**
 * `SyncStateStore` on the shared DynamoDB table; the AWS twin of `FileStateStore`, held to the same
 * contract (`test/state/state-store.contract.ts`). Partition keys carry a kind prefix so the IAM
 * policies can limit each function to the kinds it needs (`dynamodb:LeadingKeys`):
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `cursor\|<key>` | `-` | `cursor` (JSON), `version` |
 * | `done\|<key>` | `-` | `result`, expiry |
 * | `count\|<key>` | `-` | `members` (string set), expiry |
 * | `skip\|<scope>` | lead id | `record` (JSON), `at`, expiry |
 * | `lease\|<key>` | `-` | `token`, `owner`, `since`, `leaseUntilMs`, expiry |
 */
export class DynamoStateStore implements SyncStateStore, LeaseStore {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async getCursor(key: string): Promise<StoredCursor | null> {
    const item = await this.#table.get(`cursor|${key}`);
    return item ? cursorOf(item) : null;
  }

  /**
   * Compare-and-set in one conditional write: creating requires that no cursor exists, advancing
   * requires the stored version to be the one this run read. Two runs racing from the same version
   * therefore cannot both succeed; the loser gets `CursorConflictError`.
   */
  async putCursor(key: string, cursor: SyncCursor, expectedVersion: number | null): Promise<StoredCursor> {
    const pk = `cursor|${key}`;
    const value = str(JSON.stringify(cursor));
    const version = (expectedVersion ?? 0) + 1;
    const written =
      expectedVersion === null
        ? await this.#table.put(
            { pk: str(pk), sk: str(SINGLE), cursor: value, version: num(version) },
            { expression: 'attribute_not_exists(pk)' },
          )
        : (await this.#table.update(
            pk,
            SINGLE,
            {
              expression: 'SET #c = :c, #v = :next',
              names: { '#c': 'cursor' },
              values: { ':c': value, ':next': num(version) },
            },
            {
              expression: '#v = :expected',
              names: { '#v': 'version' },
              values: { ':expected': num(expectedVersion) },
            },
          )) !== null;
    if (!written) throw new CursorConflictError(key);
    return { cursor: structuredClone(cursor), version };
  }

  async markDone(key: string, result: string, ttlSeconds: number): Promise<void> {
    await this.#table.put({
      pk: str(`done|${key}`),
      sk: str(SINGLE),
      result: str(result),
      ...this.#table.expiry(ttlSeconds),
    });
  }

  async getDone(key: string): Promise<string | null> {
    const item = await this.#table.getLive(`done|${key}`);
    return item ? stringOf(item, 'result') : null;
  }

  /**
   * Adds to a string set atomically (`ADD`), so concurrent counts never lose a member. A set whose
   * time to live has passed but that DynamoDB has not deleted yet is replaced, not extended.
   */
  async countOnce(key: string, member: string, ttlSeconds: number): Promise<number> {
    const pk = `count|${key}`;
    for (let attempt = 0; attempt < COUNT_ATTEMPTS; attempt++) {
      const expiry = this.#table.expiry(ttlSeconds);
      const now = num(this.#table.nowMs());
      const updated = await this.#table.update(
        pk,
        SINGLE,
        {
          expression: 'ADD #m :m SET expiresAtMs = :exp, #ttl = :ttl',
          names: { '#m': 'members', '#ttl': 'ttl' },
          values: { ':m': { SS: [member] }, ':exp': expiry.expiresAtMs!, ':ttl': expiry.ttl! },
        },
        { expression: 'attribute_not_exists(pk) OR expiresAtMs > :now', values: { ':now': now } },
      );
      if (updated) return updated.members?.SS?.length ?? 0;
      const replaced = await this.#table.put(
        { pk: str(pk), sk: str(SINGLE), members: { SS: [member] }, ...expiry },
        { expression: 'attribute_not_exists(pk) OR expiresAtMs <= :now', values: { ':now': now } },
      );
      if (replaced) return 1;
    }
    throw new Error(`counting into ${key} kept racing with its expiry; try again`);
  }

  async counted(key: string): Promise<string[]> {
    const item = await this.#table.getLive(`count|${key}`);
    return [...(item?.members?.SS ?? [])];
  }

  async recordSkipped(record: SkippedRecord, ttlSeconds: number): Promise<void> {
    await this.#table.put({
      pk: str(`skip|${record.scope}`),
      sk: str(record.leadId),
      record: str(JSON.stringify(record)),
      ...this.#table.expiry(ttlSeconds),
    });
  }

  /** Reads the scope's partition; skipped lists are admin-sized (one item per lead), not run-sized. */
  async listSkipped(scope: string, limit: number): Promise<SkippedRecord[]> {
    const items = await this.#table.query(`skip|${scope}`);
    const live = items
      .filter((i) => this.#table.isLive(i))
      .map(skippedOf)
      .filter((r): r is SkippedRecord => r !== null);
    return newestFirst(live).slice(0, limit);
  }

  /**
   * One conditional put: it succeeds only when no live lease exists (`leaseUntilMs` passed), so of two
   * invocations racing for the lease exactly one gets it. A Lambda that timed out cannot release, so
   * its lease frees itself when `leaseUntilMs` passes; there is no pid to check across hosts.
   */
  async acquireLease(key: string, holder: LeaseHolder, ttlSeconds: number): Promise<LeaseAttempt> {
    const pk = `lease|${key}`;
    for (let attempt = 0; attempt < COUNT_ATTEMPTS; attempt++) {
      const nowMs = this.#table.nowMs();
      const lease: StoredLease = {
        ...holder,
        since: new Date(nowMs).toISOString(),
        expiresAtMs: nowMs + ttlSeconds * 1000,
      };
      const token = randomUUID();
      const taken = await this.#table.put(
        {
          pk: str(pk),
          sk: str(SINGLE),
          token: str(token),
          holder: str(JSON.stringify(lease)),
          leaseUntilMs: num(lease.expiresAtMs),
          ...this.#table.expiry(ttlSeconds + LEASE_KEEP_SECONDS),
        },
        { expression: 'attribute_not_exists(pk) OR leaseUntilMs <= :now', values: { ':now': num(nowMs) } },
      );
      if (taken) return { acquired: true, token, lease };
      const current = await this.#table.get(pk);
      const until = current ? numberOf(current, 'leaseUntilMs') : null;
      if (current && until !== null && until > this.#table.nowMs()) {
        return { acquired: false, heldBy: { ...leaseOf(current), expiresAtMs: until } };
      }
      // Released or expired between the put and the read: try again.
    }
    throw new StateUnavailableError(`taking the run lease ${key} kept racing with other runs; try again`);
  }

  async renewLease(key: string, token: string, ttlSeconds: number): Promise<boolean> {
    const nowMs = this.#table.nowMs();
    const until = nowMs + ttlSeconds * 1000;
    const updated = await this.#table.update(
      `lease|${key}`,
      SINGLE,
      {
        expression: 'SET leaseUntilMs = :until, expiresAtMs = :exp, #ttl = :ttl',
        names: { '#ttl': 'ttl' },
        values: {
          ':until': num(until),
          ...renameExpiry(this.#table.expiry(ttlSeconds + LEASE_KEEP_SECONDS)),
        },
      },
      {
        expression: '#tok = :tok AND leaseUntilMs > :now',
        names: { '#tok': 'token' },
        values: { ':tok': str(token), ':now': num(nowMs) },
      },
    );
    return updated !== null;
  }

  /** Ends the lease by moving its end to now (an update: the sync role needs no DeleteItem). */
  async releaseLease(key: string, token: string): Promise<void> {
    await this.#table.update(
      `lease|${key}`,
      SINGLE,
      { expression: 'SET leaseUntilMs = :zero', values: { ':zero': num(0) } },
      { expression: '#tok = :tok', names: { '#tok': 'token' }, values: { ':tok': str(token) } },
    );
  }
}

function renameExpiry(expiry: Item): Item {
  return { ':exp': expiry.expiresAtMs!, ':ttl': expiry.ttl! };
}

const LeaseHolderSchema = z.object({
  owner: z.string(),
  pid: z.number().optional(),
  host: z.string().optional(),
  since: z.string(),
});

function leaseOf(item: Item): Omit<StoredLease, 'expiresAtMs'> {
  const parsed = LeaseHolderSchema.safeParse(parseJson(stringOf(item, 'holder')));
  return parsed.success ? parsed.data : { owner: 'unknown holder', since: 'an unknown time' };
}

function cursorOf(item: Item): StoredCursor {
  const version = numberOf(item, 'version');
  const parsed = SyncCursorSchema.safeParse(parseJson(stringOf(item, 'cursor')));
  if (version === null || !parsed.success) {
    throw new StateUnavailableError(
      `the cursor item ${stringOf(item, 'pk')} in DynamoDB is not a valid cursor; delete that item to resync from the start`,
    );
  }
  return { cursor: parsed.data, version };
}

function skippedOf(item: Item): SkippedRecord | null {
  const parsed = SkippedRecordSchema.safeParse(parseJson(stringOf(item, 'record')));
  return parsed.success ? parsed.data : null;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
