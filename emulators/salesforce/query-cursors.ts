import { IdSequence, KEY_PREFIXES } from './ids.ts';
import type { SfRecord } from './sf-record.ts';
import type { CompiledQuery } from './soql/compile.ts';

/**
 * Server-side query cursors keyed by locator. A cursor holds the row snapshot taken when the query
 * ran (immutable record versions), so paging never duplicates or drops rows that are modified
 * meanwhile. Idle cursors expire (15 minutes, as Salesforce documents) and the count is capped.
 */
export interface QueryCursor {
  locator: string;
  rows: SfRecord[];
  compiled: CompiledQuery;
  scanAll: boolean;
  lastUsed: number;
}

export class QueryCursors {
  private readonly cursors = new Map<string, QueryCursor>();
  private readonly ids = new IdSequence();
  private readonly idleMs: number;
  private readonly max: number;

  constructor(idleMs = 15 * 60_000, max = 2000) {
    this.idleMs = idleMs;
    this.max = max;
  }

  get size(): number {
    return this.cursors.size;
  }

  open(rows: SfRecord[], compiled: CompiledQuery, scanAll: boolean, now: number): QueryCursor {
    this.sweep(now);
    const c = { locator: this.ids.make(KEY_PREFIXES.QueryLocator), rows, compiled, scanAll, lastUsed: now };
    this.cursors.set(c.locator, c);
    if (this.cursors.size > this.max) this.cursors.delete(this.cursors.keys().next().value!);
    return c;
  }

  get(locator: string, now: number): QueryCursor | undefined {
    const c = this.cursors.get(locator);
    if (!c) return undefined;
    if (now - c.lastUsed > this.idleMs) {
      this.cursors.delete(locator);
      return undefined;
    }
    c.lastUsed = now;
    // Re-insert to keep Map order = least recently used first.
    this.cursors.delete(locator);
    this.cursors.set(locator, c);
    return c;
  }

  close(locator: string): void {
    this.cursors.delete(locator);
  }

  clear(): void {
    this.cursors.clear();
  }

  private sweep(now: number): void {
    for (const [k, c] of this.cursors) {
      if (now - c.lastUsed <= this.idleMs) break;
      this.cursors.delete(k);
    }
  }
}
