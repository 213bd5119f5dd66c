import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import type { RepFeedback } from '../../src/domain/rep-feedback.ts';
import { processLeads } from '../../src/pipeline/process-leads.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { nextCheckAt } from '../../src/sla/escalation-ladder.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { hotLead, NOW, pipelineDeps, sla } from './pipeline-fixtures.ts';

/**
 * Property: whatever a rep and the lead's data do between syncs (verdicts set, changed and cleared,
 * the rules' inputs moving, passive activity), a sent-back or lost value the rep sets on a recorded
 * toss-up stands exactly until it is cleared or changed to a non-closing one: meanwhile no run creates
 * a task or moves the flag or key, and that toss-up ends closed as sent back or lost. New intent is
 * left out here (it hands the lead back on purpose; process-leads-verdict.test.ts).
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-verdict-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const HOUR = 3_600_000;

type Step =
  | { kind: 'verdict'; feedback: RepFeedback | null }
  | { kind: 'data'; change: 'hold' | 'yes' | 'no' }
  | { kind: 'passive' };

const feedbacks: (RepFeedback | null)[] = [
  null,
  { result: 'accepted', sentBackReason: null, note: null },
  { result: 'sent_back', sentBackReason: 'too_early', note: null },
  { result: 'sent_back', sentBackReason: 'not_our_target', note: null },
  { result: 'lost', sentBackReason: null, note: 'x' },
  { result: 'opportunity', sentBackReason: null, note: null },
];
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom(...feedbacks).map((feedback): Step => ({ kind: 'verdict', feedback })),
  fc.constantFrom('hold', 'yes', 'no').map((change): Step => ({ kind: 'data', change }) as Step),
  fc.constant<Step>({ kind: 'passive' }),
);

const closing = (f: RepFeedback | null | undefined) => f?.result === 'sent_back' || f?.result === 'lost';
const sameFeedback = (
  a: Pick<RepFeedback, 'result' | 'sentBackReason'> | null | undefined,
  b: Pick<RepFeedback, 'result' | 'sentBackReason'> | null | undefined,
) =>
  (a?.result ?? null) === (b?.result ?? null) && (a?.sentBackReason ?? null) === (b?.sentBackReason ?? null);

describe('runs under a rep verdict (property)', () => {
  it('a standing sent-back or lost verdict: no task, flag and key kept; its toss-up closed with that reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const crm = new FakeCrm();
        const store = new FileEpisodeStore(join(root, `p${++n}`), { clock: fixedClock(NOW) });
        const deps = pipelineDeps(crm, { episodes: { store, schedule: (ep) => nextCheckAt(ep, sla) } });
        let hour = 0;
        const run = async () => {
          hour += 1;
          const now = new Date(Date.parse(NOW) + hour * HOUR);
          return processLeads([structuredClone(crm.lead('A'))], { ...deps, now });
        };
        const edit = (change: (l: Lead) => void) => {
          const l = structuredClone(crm.lead('A'));
          change(l);
          crm.put(l);
        };
        crm.put(hotLead('A'));
        await run();
        // The toss-up a closing verdict answered (its key when the verdict was first read).
        let answered: { key: string } | null = null;
        let previous: RepFeedback | null = null;
        for (const s of steps) {
          if (s.kind === 'verdict')
            edit((l) => {
              if (s.feedback) l.current.feedback = s.feedback;
              else delete l.current.feedback;
            });
          else if (s.kind === 'data')
            edit((l) => {
              l.company.employees = s.change === 'hold' ? null : 1200;
              l.maBehaviourScore = s.change === 'no' ? 0 : 80;
            });
          else
            edit((l) => {
              l.activities.push({
                type: 'email_open',
                at: new Date(Date.parse(NOW) + hour * HOUR).toISOString(),
              });
            });
          const before = crm.lead('A').current;
          const tasks = crm.tasks.size;
          const standsBefore =
            answered !== null && closing(before.feedback) && before.decisionKey === answered.key;
          const r = await run();
          const after = crm.lead('A').current;
          if (standsBefore) {
            expect(crm.tasks.size).toBe(tasks);
            expect(after.flag).toBe(before.flag);
            expect(after.decisionKey).toBe(before.decisionKey);
          }
          // A closing value the rep just set, on a lead whose key names a recorded toss-up that did not
          // already show that value at its hand-off: the verdict answers that toss-up from now on.
          const changed = s.kind === 'verdict' && !sameFeedback(s.feedback, previous);
          if (changed && closing(before.feedback) && before.decisionKey) {
            const ep = (await store.get(before.decisionKey))?.episode;
            // …unless nothing since the hand-off changed it from what the toss-up started with.
            const shownAtHandOff =
              ep?.verdict === undefined &&
              ep?.verdictBefore &&
              sameFeedback(ep.verdictBefore, before.feedback);
            if (ep && !shownAtHandOff && (answered === null || answered.key === before.decisionKey))
              answered = { key: before.decisionKey };
          }
          if (s.kind === 'verdict') previous = s.feedback;
          expect(r.outcomes[0]?.verdict === 'stands').toBe(answered !== null && closing(before.feedback));
          if (!closing(after.feedback)) answered = null;
          if (answered) {
            const ep = (await store.get(answered.key))?.episode;
            expect(ep?.status).toBe('closed');
            expect(['sent_back', 'lost']).toContain(ep?.closeReason);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
