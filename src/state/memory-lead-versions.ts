import { randomUUID } from 'node:crypto';
import type { ClaimOutcome, LeadVersions } from '../ports/lead-versions.ts';

interface Held {
  version: number;
  done: boolean;
  token: string;
  leaseUntilMs: number;
}

/**
 * The worker's per-lead version claims (src/ports/lead-versions.ts) in memory, for one local process
 * (`tossup listen`), where batches may still overlap (two webhook requests at once).
 */
export class MemoryLeadVersions implements LeadVersions {
  private readonly held = new Map<string, Held>();

  private readonly nowMs: () => number;

  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs;
  }

  async claim(leadKey: string, version: number, leaseUntilMs: number): Promise<ClaimOutcome> {
    const h = this.held.get(leadKey);
    if (h) {
      if (h.version > version) return { status: 'stale', storedVersion: h.version };
      if (h.done && h.version === version) return { status: 'done', storedVersion: h.version };
      if (!h.done && h.leaseUntilMs > this.nowMs())
        return { status: 'busy', storedVersion: h.version, leaseUntilMs: h.leaseUntilMs };
    }
    const token = randomUUID();
    this.held.set(leadKey, { version, done: false, token, leaseUntilMs });
    return { status: 'claimed', token };
  }

  async complete(leadKey: string, version: number, token: string): Promise<boolean> {
    const h = this.held.get(leadKey);
    if (!h || h.token !== token || h.version !== version) return false;
    h.done = true;
    return true;
  }

  async release(leadKey: string, version: number, token: string): Promise<void> {
    const h = this.held.get(leadKey);
    if (h && h.token === token && h.version === version && !h.done) this.held.delete(leadKey);
  }
}
