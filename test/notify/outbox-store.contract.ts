import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/ports/clock.ts';
import type { ChatSender, NotificationTarget } from '../../src/ports/notifier.ts';
import type { OutboxStore } from '../../src/ports/outbox-store.ts';
import { NotificationOutbox, outboxKey } from '../../src/state/notification-outbox.ts';
import { notification } from './fixtures/notifications.ts';

/**
 * The outbox's at-most-once rules on any `OutboxStore` (file store, DynamoDB store): the same cases
 * for both, so the Lambda's outbox behaves as the CLI's.
 */
export interface OutboxStoreHarness {
  /** Fresh stores that share one state (two processes / two containers on one table). */
  stores(clock: Clock): Promise<[OutboxStore, OutboxStore]>;
}

export function steppedClock(startIso = '2026-12-02T00:00:00Z'): Clock & { advance(ms: number): void } {
  let t = Date.parse(startIso);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A sender that records every send and answers with `answer` (after `delayMs`). */
function recorder(answer: () => Awaited<ReturnType<ChatSender['send']>>, delayMs = 0) {
  const sent: string[] = [];
  const sender: ChatSender = {
    accepts: () => true,
    async send(n, t) {
      sent.push(`${n.episodeKey}|${n.step}|${t.kind}`);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return answer();
    },
  };
  return { sender, sent };
}

const CHANNEL: NotificationTarget = { kind: 'slack-channel', channel: 'field-sales' };

export function outboxStoreContract(name: string, harness: OutboxStoreHarness): void {
  describe(`outbox on ${name}`, () => {
    it('enqueue is idempotent on episode key + step + target', async () => {
      const clock = steppedClock();
      const [store] = await harness.stores(clock);
      const outbox = new NotificationOutbox(store, { senders: [], clock });
      const rep: NotificationTarget = { kind: 'slack-user', email: 'Hanako.Sato@example.co.jp ' };
      expect(await outbox.enqueue(notification(), [CHANNEL, rep])).toBe(2);
      expect(
        await outbox.enqueue(notification(), [
          CHANNEL,
          { kind: 'slack-user', email: 'hanako.sato@example.co.jp' },
        ]),
      ).toBe(0);
      expect(await outbox.enqueue(notification({ step: 'remind-75', event: 'reminder' }), [CHANNEL])).toBe(1);
      expect((await store.open()).map((e) => e.state)).toEqual(['pending', 'pending', 'pending']);
    });

    it('a failing service delays messages and loses none; each is sent once, then leaves the open list', async () => {
      const clock = steppedClock();
      const [store] = await harness.stores(clock);
      let down = true;
      const { sender, sent } = recorder(() =>
        down ? { status: 'retry', reason: 'http_503' } : { status: 'sent' },
      );
      const outbox = new NotificationOutbox(store, { senders: [sender], clock, baseBackoffMs: 60_000 });
      for (const episodeKey of ['tu_a', 'tu_b', 'tu_c']) {
        await outbox.enqueue(notification({ episodeKey }), [CHANNEL]);
        clock.advance(1); // oldest first: tu_a is tried first
      }
      // The first failure parks the service for this drain: one attempt, the rest stay pending.
      expect(await outbox.drain()).toEqual({ sent: 0, retried: 1, failed: 0, unknown: 0, pending: 2 });
      down = false;
      expect(await outbox.drain()).toMatchObject({ sent: 2, pending: 1 });
      clock.advance(60_000);
      expect(await outbox.drain()).toMatchObject({ sent: 1, pending: 0 });
      expect(await outbox.drain()).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 });
      expect(sent.filter((s) => s.startsWith('tu_a|'))).toHaveLength(2); // one failed try, one send
      expect(new Set(sent).size).toBe(3);
      expect(await store.open()).toEqual([]);
      const done = await store.get(outboxKey(notification({ episodeKey: 'tu_a' }), CHANNEL));
      expect(done).toMatchObject({ state: 'sent', attempts: 2 });
      expect(done?.expiresAtMs).toBeGreaterThan(clock.now().getTime());
      // Queuing the same step again after it was sent is still a no-op.
      expect(await outbox.enqueue(notification({ episodeKey: 'tu_a' }), [CHANNEL])).toBe(0);
    });

    it('two drains at once on one state send each notification once', async () => {
      const clock = steppedClock();
      const [s1, s2] = await harness.stores(clock);
      const { sender, sent } = recorder(() => ({ status: 'sent' }), 5);
      const a = new NotificationOutbox(s1, { senders: [sender], clock });
      const b = new NotificationOutbox(s2, { senders: [sender], clock });
      const keys = ['tu_1', 'tu_2', 'tu_3', 'tu_4', 'tu_5', 'tu_6'];
      for (const episodeKey of keys) await a.enqueue(notification({ episodeKey }), [CHANNEL]);
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      expect(ra.sent + rb.sent).toBe(keys.length);
      expect(sent.sort()).toEqual(keys.map((k) => `${k}|toss-up|slack-channel`));
    });

    it('a send interrupted before its answer was recorded ends as unknown and is not sent again', async () => {
      const clock = steppedClock();
      const [s1, s2] = await harness.stores(clock);
      const key = outboxKey(notification({ episodeKey: 'tu_crash' }), CHANNEL);
      const outbox = new NotificationOutbox(s2, {
        senders: [recorder(() => ({ status: 'sent' })).sender],
        clock,
      });
      await outbox.enqueue(notification({ episodeKey: 'tu_crash' }), [CHANNEL]);
      // What a process that died mid-send leaves behind: the claim, from another host.
      await s1.update(key, (current, now) =>
        current
          ? { ...current, state: 'sending', attempts: 1, claim: { pid: 1, host: 'gone', atMs: now } }
          : undefined,
      );
      const { sender, sent } = recorder(() => ({ status: 'sent' }));
      const later = new NotificationOutbox(s2, { senders: [sender], clock, claimTimeoutMs: 600_000 });
      // While the claim may still be live, nobody touches it.
      expect(await later.drain()).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 });
      clock.advance(600_001);
      expect(await later.drain()).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 1, pending: 0 });
      expect(await later.drain()).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 });
      expect(sent).toEqual([]);
      expect(await s2.get(key)).toMatchObject({ state: 'unknown', lastReason: 'interrupted while sending' });
    });

    it('update re-runs a change that lost a race on the fresh entry, so only one claim wins', async () => {
      const clock = steppedClock();
      const [s1, s2] = await harness.stores(clock);
      const outbox = new NotificationOutbox(s1, { senders: [], clock });
      await outbox.enqueue(notification(), [CHANNEL]);
      const key = outboxKey(notification(), CHANNEL);
      const claim = (store: OutboxStore, who: string) =>
        store.update(key, (current, now) =>
          current?.state === 'pending'
            ? { ...current, state: 'sending', claim: { pid: 1, host: who, atMs: now } }
            : undefined,
        );
      const results = await Promise.all([claim(s1, 'a'), claim(s2, 'b'), claim(s1, 'c'), claim(s2, 'd')]);
      expect(results.filter((r) => r.written)).toHaveLength(1);
      const winner = results.find((r) => r.written)!.entry!.claim!.host;
      expect((await s2.get(key))?.claim?.host).toBe(winner);
    });
  });
}
