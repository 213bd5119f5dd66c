import { randomUUID } from 'node:crypto';
import type { ClaimOutcome, LeadVersions } from '../ports/lead-versions.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { type DynamoTable, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';

/** Longer than SQS keeps a message (14 days), so a late stale copy still meets its newer version. */
const RETENTION_SECONDS = 30 * 86_400;
const CLAIM_ATTEMPTS = 3;

/**
 * `LeadVersions` as one item per lead (`lead|<crm>|<objectType>|<id>`): `version` (epoch ms),
 * `status` (`in_progress` | `done`), `leaseUntilMs` and the claimer's `token`. A claim is one
 * conditional put, so of two workers claiming the same lead exactly one succeeds, and a version older
 * than the stored one can never be claimed: a stale message never overwrites a newer decision.
 */
export class DynamoLeadVersions implements LeadVersions {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async claim(leadKey: string, version: number, leaseUntilMs: number): Promise<ClaimOutcome> {
    const pk = `lead|${leadKey}`;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const token = randomUUID();
      const claimed = await this.#table.put(
        {
          pk: str(pk),
          sk: str(SINGLE),
          version: num(version),
          status: str('in_progress'),
          leaseUntilMs: num(leaseUntilMs),
          token: str(token),
          ...this.#table.expiry(RETENTION_SECONDS),
        },
        {
          expression:
            'attribute_not_exists(pk) OR (#s = :done AND #v < :v) OR (#s = :busy AND #v <= :v AND leaseUntilMs <= :now)',
          names: { '#s': 'status', '#v': 'version' },
          values: {
            ':done': str('done'),
            ':busy': str('in_progress'),
            ':v': num(version),
            ':now': num(this.#table.nowMs()),
          },
        },
      );
      if (claimed) return { status: 'claimed', token };
      const current = await this.#table.get(pk);
      if (!current) continue; // deleted between the two calls (TTL): claim again
      const storedVersion = numberOf(current, 'version') ?? 0;
      if (storedVersion > version) return { status: 'stale', storedVersion };
      if (stringOf(current, 'status') === 'done' && storedVersion === version) {
        return { status: 'done', storedVersion };
      }
      const leaseUntil = numberOf(current, 'leaseUntilMs') ?? 0;
      if (leaseUntil > this.#table.nowMs()) return { status: 'busy', storedVersion };
      // The lease passed between the put and the read: try again.
    }
    throw new StateUnavailableError(`claiming lead ${leadKey} kept racing with other workers; retry`);
  }

  async complete(leadKey: string, version: number, token: string): Promise<boolean> {
    const updated = await this.#table.update(
      `lead|${leadKey}`,
      SINGLE,
      {
        expression: 'SET #s = :done REMOVE leaseUntilMs',
        names: { '#s': 'status' },
        values: { ':done': str('done') },
      },
      {
        expression: '#tok = :tok AND #v = :v',
        names: { '#tok': 'token', '#v': 'version' },
        values: { ':tok': str(token), ':v': num(version) },
      },
    );
    return updated !== null;
  }

  async release(leadKey: string, version: number, token: string): Promise<void> {
    await this.#table.update(
      `lead|${leadKey}`,
      SINGLE,
      { expression: 'SET leaseUntilMs = :zero', values: { ':zero': num(0) } },
      {
        expression: '#tok = :tok AND #v = :v AND #s = :busy',
        names: { '#tok': 'token', '#v': 'version', '#s': 'status' },
        values: { ':tok': str(token), ':v': num(version), ':busy': str('in_progress') },
      },
    );
  }
}
