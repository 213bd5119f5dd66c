import { IdSequence, KEY_PREFIXES } from './ids.ts';
import type { SfRecord } from './sf-record.ts';
import type { CompiledQuery } from './soql/compile.ts';

/**
 * Server-side query cursors keyed by locator. A cursor holds the row snapshot taken when the query
 * ran (immutable record versions), so paging never duplicates or drops rows that are modified
 * meanwhile. Idle cursors expire (15 minutes, as Salesforce documents); the number of cursors and
 * the rows they hold are capped (least recently used first out) so long benchmarks stay bounded.
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
  private readonly maxRows: number;
  private rowsHeld = 0;

  constructor(idleMs = 15 * 60_000, max = 2000, maxRows = 20_000_000) {
    this.idleMs = idleMs;
    this.max = max;
    this.maxRows = maxRows;
  }

  get size(): number {
    return this.cursors.size;
  }

  open(rows: SfRecord[], compiled: CompiledQuery, scanAll: boolean, now: number): QueryCursor {
    this.sweep(now);
    const c = { locator: this.ids.make(KEY_PREFIXES.QueryLocator), rows, compiled, scanAll, lastUsed: now };
    this.cursors.set(c.locator, c);
    this.rowsHeld += rows.length;
    while (this.cursors.size > 1 && (this.cursors.size > this.max || this.rowsHeld > this.maxRows)) {
      this.close(this.cursors.keys().next().value!);
    }
    return c;
  }

  get(locator: string, now: number): QueryCursor | undefined {
    const c = this.cursors.get(locator);
    if (!c) return undefined;
    if (now - c.lastUsed > this.idleMs) {
      this.close(locator);
      return undefined;
    }
    c.lastUsed = now;
    // Re-insert to keep Map order = least recently used first.
    this.cursors.delete(locator);
    this.cursors.set(locator, c);
    return c;
  }

  close(locator: string): void {
    const c = this.cursors.get(locator);
    if (!c) return;
    this.rowsHeld -= c.rows.length;
    this.cursors.delete(locator);
  }

  clear(): void {
    this.cursors.clear();
    this.rowsHeld = 0;
  }

  private sweep(now: number): void {
    for (const [k, c] of this.cursors) {
      if (now - c.lastUsed <= this.idleMs) break;
      this.close(k);
    }
  }
}
