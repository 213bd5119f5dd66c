import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../emulators/world/generate.ts';
import { DEMO_AT, type DemoRun, runDemoDetailed } from '../../src/cli/commands/demo.ts';
import type { Episode } from '../../src/episodes/episode.ts';
import { onTimeRate } from '../../src/pipeline/handoff-outcomes.ts';
import { acceptanceRate, opportunityRate } from '../../src/pipeline/toss-up-rates.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';

/**
 * `npm start` past the sync, end to end: the real sync and sweep through jsforce and the HubSpot SDK
 * against the emulators, emulated reps acting on their tasks, the Slack emulator receiving the chat
 * messages. The numbers follow from the world's rep profiles, so the test asserts what must hold
 * between them rather than exact figures.
 */

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _e, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream: Object.assign(stream, { isTTY: false }), text: () => text };
}

const LEADS = 300;
const SEED = 2;
let run: DemoRun;
let out: string;
let stdout: ReturnType<typeof capture>;
let episodes: Map<string, Episode>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'tossup-demo-after-'));
  stdout = capture();
  run = await runDemoDetailed(
    { leads: LEADS, seed: SEED, rules: 'large', locale: 'ja', out },
    stdout.stream,
    capture().stream,
    { keepState: true },
  );
  const store = new FileEpisodeStore(run.stateDir);
  const keys = [...new Set(run.slackMessages.map((m) => String(m.metadata?.event_payload.episode_key)))];
  episodes = new Map([...(await store.getMany(keys)).entries()].map(([k, s]) => [k, s.episode]));
}, 240_000);

afterAll(() => {
  if (run) rmSync(run.stateDir, { recursive: true, force: true });
});

describe('npm start: after the hand-off', () => {
  it('steps through four business days, with reps acting and the ladder running on both CRMs', () => {
    expect(run.exitCode).toBe(0);
    const a = run.after!;
    expect(a.steps).toHaveLength(18);
    expect(a.from).toBe(new Date(DEMO_AT).toISOString());
    expect(a.to).toBe('2026-12-07T01:00:00.000Z'); // Monday 10:00 JST: 36 business hours later
    expect(a.repActions.total).toBeGreaterThan(0);
    expect(a.byCrm.map((c) => c.crm)).toEqual(['salesforce', 'hubspot']);
    for (const c of a.byCrm) expect(c.episodes).toBeGreaterThan(0);
    expect(a.ladder.reminders).toBeGreaterThan(0);
    expect(a.ladder.escalations).toBeGreaterThan(0);
    expect(a.ladder.reassignments).toBeGreaterThan(0);
    const sum = (k: 'reminders' | 'escalations' | 'reassignments') => a.steps.reduce((s, x) => s + x[k], 0);
    // The progress lines add up to what the episodes record.
    expect(sum('reminders')).toBe(a.ladder.reminders);
    expect(sum('escalations')).toBe(a.ladder.escalations);
    expect(sum('reassignments')).toBe(a.ladder.reassignments);
  });

  it("follows the reps' profiles: a rep who never answers is never on time and gets escalated", () => {
    const a = run.after!;
    const never = a.reps.filter((r) => r.style === 'never' && r.tally.turns > 0);
    expect(never.length).toBeGreaterThan(0);
    for (const r of never) {
      expect(r.tally.onTime, r.name).toBe(0);
      expect(r.tally.late, r.name).toBe(0);
    }
    expect(never.reduce((s, r) => s + r.ladder.escalations, 0)).toBeGreaterThan(0);
    // Prompt reps do better than reps who are often late, who do better than those who never answer.
    const rateOf = (style: string) => {
      const t = a.reps.filter((r) => r.style === style).map((r) => r.tally);
      const on = t.reduce((s, x) => s + x.onTime, 0);
      const judged = t.reduce((s, x) => s + x.onTime + x.late + x.missed + x.overdue, 0);
      return judged === 0 ? null : on / judged;
    };
    const prompt = rateOf('prompt');
    const late = rateOf('late');
    expect(prompt).not.toBeNull();
    if (late !== null) expect(prompt!).toBeGreaterThan(late);
    expect(onTimeRate(a.total)).toBeGreaterThan(0);
    expect(onTimeRate(a.total)).toBeLessThan(1);
  });

  it('posts chat messages that each belong to a recorded step of an episode', () => {
    const a = run.after!;
    expect(run.slackMessages.length).toBe(a.messages.total);
    expect(run.slackMessages.length).toBeGreaterThan(0);
    const stepOf: Record<string, string> = {
      reminder: 'remind_owner',
      escalation: 'notify_manager',
      reassignment: 'reassign',
    };
    for (const m of run.slackMessages) {
      const p = m.metadata!.event_payload as { episode_key: string; step: string; event: string };
      const ep = episodes.get(p.episode_key);
      expect(ep, p.episode_key).toBeDefined();
      const step = ep!.events.find((e) => e.step === p.step);
      expect(step, `${p.episode_key} ${p.step}`).toBeDefined();
      expect(step!.type).toBe('ladder_step');
      if (step!.type === 'ladder_step') expect(step!.action).toBe(stepOf[p.event]);
    }
    // One message per episode step and target: none twice.
    const keys = run.slackMessages.map((m) => `${m.channel} ${JSON.stringify(m.metadata?.event_payload)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('puts no personal data beyond the lead name and company, and no token, in any message', () => {
    const world = generateWorld({ seed: SEED, leads: LEADS, asOf: new Date(DEMO_AT).toISOString() });
    const secrets = world.people.flatMap((p) => [
      p.email,
      ...(p.phone ? [p.phone] : []),
      ...(p.title ? [p.title] : []),
    ]);
    const reps = world.users.map((u) => u.email);
    // The person's name as the CRMs show it: family name first for Japanese names, "Michael Brown" otherwise.
    const people = new Set(
      world.people.map((p) =>
        /[^ -~]/.test(p.lastName + p.firstName)
          ? `${p.lastName} ${p.firstName}`
          : `${p.firstName} ${p.lastName}`,
      ),
    );
    for (const m of run.slackMessages) {
      const body = decodeURIComponent(m.body.replace(/\+/g, ' '));
      expect(body).not.toMatch(/xoxb-|Bearer /);
      for (const s of [...secrets.filter((x) => x.length > 4), ...reps])
        expect(body.includes(s), s).toBe(false);
      // Named by the person and company recorded at the hand-off, not by the record id.
      const ep = episodes.get(String(m.metadata?.event_payload.episode_key))!;
      expect(people.has(ep.lead?.name ?? ''), `${ep.key} ${ep.crm} ${JSON.stringify(ep.lead)}`).toBe(true);
      expect(m.text).toContain(ep.lead!.name);
      if (ep.lead!.company) expect(m.text).toContain(ep.lead!.company);
      expect(m.text).not.toContain(ep.leadId);
    }
  });

  it('reps accept, send back and convert a share of their toss-ups, and the episodes record it per reason and rep', () => {
    const a = run.after!;
    const done = a.verdictActions!;
    expect(done.byResult.accepted).toBeGreaterThan(0);
    expect(done.byResult.sent_back).toBeGreaterThan(0);
    expect(done.byResult.opportunity).toBeGreaterThan(0);
    const v = a.verdicts!;
    // The syncs after the hand-off read what the reps set: most verdicts are in the episodes.
    expect(v.total.judged).toBeGreaterThan(0);
    expect(v.total.judged).toBeLessThanOrEqual(done.byResult.accepted! + done.byResult.sent_back!);
    expect(v.total.opportunities).toBeGreaterThan(0);
    expect(v.total.handedOff).toBe(a.byCrm.reduce((s, c) => s + c.episodes, 0));
    const rate = acceptanceRate(v.total)!;
    expect(rate).toBeGreaterThan(0.2);
    expect(rate).toBeLessThan(0.9);
    expect(opportunityRate(v.total)).toBeGreaterThan(0);
    // Per reason and per rep, adding up to the total.
    expect(v.reasons.filter((r) => r.tally.judged > 0).length).toBeGreaterThan(1);
    expect(v.reasons.every((r) => r.reason !== 'unknown')).toBe(true);
    expect(v.reasons.reduce((s, r) => s + r.tally.handedOff, 0)).toBe(v.total.handedOff);
    expect(v.reps.reduce((s, r) => s + r.tally.judged, 0)).toBe(v.total.judged);
    expect(Object.values(v.sentBackReasons).reduce((s, x) => s + x, 0)).toBe(v.total.sentBack);
    // A sent-back verdict closes its episode with that reason (episodes that got a chat message).
    const sentBack = [...episodes.values()].filter((e) => e.verdict?.result === 'sent_back');
    expect(sentBack.length).toBeGreaterThan(0);
    for (const e of sentBack) expect(e.closeReason, e.key).toBe('sent_back');
  });

  it('shows the section in the summary and in report.html', () => {
    const text = stdout.text();
    expect(text).toContain('■ トスアップ後');
    expect(text).toMatch(/期限内の初回対応: \d+% \([\d,]+\/[\d,]+\)/);
    expect(text).toMatch(/Slack に投稿されたメッセージ: [\d,]+ 件/);
    expect(text).toMatch(/担当者の判定 \(CRM に入力\): [\d,]+ 件 \(受入 [\d,]+ \/ 差し戻し [\d,]+/);
    expect(text).toMatch(/受入率 \d+% \([\d,]+\/[\d,]+\) {2}商談化率 \d+%/);
    expect(text).toContain('トスアップ理由別 受入率・商談化率:');
    expect(text).toContain('担当者別 受入率・商談化率:');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('id="after-the-hand-off"');
    expect(html).toContain('担当者別 期限内対応率');
    expect(html).toContain('id="verdict-rates"');
    expect(html).toContain('トスアップ理由別');
    expect(html).toContain('差し戻し理由');
    expect(html).not.toMatch(/<script|<link|src=|url\(|https?:\/\//i);
  });
});
