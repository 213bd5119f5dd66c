import { join } from 'node:path';
import type { CrmName } from '../domain/lead.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { type OpportunityOutcome, type OutcomeStore, outcomeId } from '../ports/outcome-store.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

/**
 * Opportunity outcomes under `<dir>/outcomes/entries.db` (SqliteBuckets, by outcome id), sharing the state
 * directory's lock. Kept without expiry: they are the review's record of what became of leads.
 */
export class FileOutcomeStore implements OutcomeStore {
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #items: SqliteBuckets<OpportunityOutcome>;

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#items = new SqliteBuckets(join(dir, 'outcomes'));
  }

  async getMany(ids: readonly string[]): Promise<Map<string, OpportunityOutcome>> {
    const now = this.#clock.now().getTime();
    return this.#items.getMany(ids, now);
  }

  putMany(outcomes: readonly OpportunityOutcome[]): Promise<void> {
    if (outcomes.length === 0) return Promise.resolve();
    return this.#lock.withLock(() => {
      const session = this.#items.session(this.#clock.now().getTime());
      for (const o of outcomes) session.set(outcomeId(o), { value: o });
      session.flush();
    });
  }

  async list(crm: CrmName): Promise<OpportunityOutcome[]> {
    const out: OpportunityOutcome[] = [];
    for (const [, o] of this.#items.entries(this.#clock.now().getTime())) if (o.crm === crm) out.push(o);
    return out;
  }
}

/** The same in memory, for tests and dry runs. */
export class MemoryOutcomeStore implements OutcomeStore {
  readonly #items = new Map<string, OpportunityOutcome>();

  async getMany(ids: readonly string[]): Promise<Map<string, OpportunityOutcome>> {
    const out = new Map<string, OpportunityOutcome>();
    for (const id of ids) {
      const o = this.#items.get(id);
      if (o) out.set(id, structuredClone(o));
    }
    return out;
  }

  async putMany(outcomes: readonly OpportunityOutcome[]): Promise<void> {
    for (const o of outcomes) this.#items.set(outcomeId(o), structuredClone(o));
  }

  async list(crm: CrmName): Promise<OpportunityOutcome[]> {
    return [...this.#items.values()].filter((o) => o.crm === crm).map((o) => structuredClone(o));
  }
}
