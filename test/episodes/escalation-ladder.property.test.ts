import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, type Episode, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { computeSlaDue } from '../../src/sla/due-date.ts';
import { nextCheckAt, pendingLadderSteps, planLadder } from '../../src/sla/escalation-ladder.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';

const config = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
const HOUR = 3_600_000;
// 2026-01-05 .. 2027-06-01: Golden Week, Obon-free summer, two year-ends, many weekday holidays.
const instant = fc
  .integer({ min: Date.parse('2026-01-05T00:00:00Z'), max: Date.parse('2027-06-01T00:00:00Z') })
  .map((ms) => Math.floor(ms / 60_000) * 60_000);

function start(at: number): Episode {
  return foldEpisode('tu_p', [
    episodeEvent({
      type: 'handed_off',
      at: new Date(at).toISOString(),
      cause: 'rule',
      crm: 'hubspot',
      leadId: '1',
      nextAction: 'field_sales_tossup',
      owner: { id: '90000001', key: 'u001', poolId: 'fs_kanto' },
      taskId: 't1',
    }),
  ])!;
}

describe('escalation ladder (property-based)', () => {
  it('without holds, breach and escalation are the due date and escalateAt of the due-date arithmetic', () => {
    const ladder = parseSlaConfig(
      readFileSync('mappings/sla.yaml', 'utf8').replace(
        '      - { do: notify_manager, at: escalation }',
        '      - { do: notify_manager, at: escalation }\n      - { id: at_breach, do: remind_owner, at: breach }',
      ),
    );
    fc.assert(
      fc.property(instant, (t) => {
        const due = computeSlaDue('field_sales_tossup', new Date(t), ladder)!;
        const steps = pendingLadderSteps(start(t), ladder);
        expect(steps.find((s) => s.id === 'at_breach')?.dueAt).toBe(due.dueAt);
        expect(steps.find((s) => s.id === 'notify_manager')?.dueAt).toBe(due.escalateAt);
      }),
      { numRuns: 150 },
    );
  });

  it('sweeps at arbitrary instants, with holds in between, record every step exactly once, never before it is due', () => {
    fc.assert(
      fc.property(
        instant,
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 72 })), {
          maxLength: 3,
        }),
        (t0, gaps, holds) => {
          let ep = start(t0);
          // Holds as (offset, length) in hours, made disjoint and ordered.
          let cursor = t0;
          for (const [offset, length] of holds) {
            const from = cursor + offset * HOUR + 1;
            ep = applyEvent(
              ep,
              episodeEvent({ type: 'hold_started', at: new Date(from).toISOString(), cause: 'crm_change' }),
            );
            ep = applyEvent(
              ep,
              episodeEvent({
                type: 'hold_ended',
                at: new Date(from + length * HOUR).toISOString(),
                cause: 'crm_change',
              }),
            );
            cursor = from + length * HOUR;
          }
          const seen = new Set<string>();
          let now = t0;
          for (const gap of [...gaps, 24 * 60, 24 * 60]) {
            now += gap * HOUR;
            const plan = planLadder(ep, config, new Date(now));
            for (const step of plan.due) {
              expect(seen.has(step.stepKey)).toBe(false);
              expect(Date.parse(step.dueAt)).toBeLessThanOrEqual(now);
              seen.add(step.stepKey);
              ep = applyEvent(
                ep,
                episodeEvent({
                  type: 'ladder_step',
                  at: new Date(now).toISOString(),
                  cause: 'sweep',
                  round: step.round,
                  stepId: step.id,
                  action: step.action,
                  ...(step.action === 'reassign'
                    ? { owner: { id: '90000002', key: 'u002', poolId: 'fs_kanto' } }
                    : {}),
                }),
              );
            }
            if (plan.nextCheckAt) expect(Date.parse(plan.nextCheckAt)).toBeGreaterThan(now);
          }
          // Two months later (twice) nothing is left: both owners' ladders ran completely, each step once.
          expect(nextCheckAt(ep, config)).toBeNull();
          expect([...seen].filter((k) => k.startsWith('r0.'))).toHaveLength(4);
          expect([...seen].filter((k) => k.startsWith('r1.'))).toHaveLength(3);
        },
      ),
      { numRuns: 60 },
    );
  });
});
