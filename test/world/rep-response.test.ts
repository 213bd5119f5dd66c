import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../emulators/world/generate.ts';
import { RESPONSE_STYLES, responsePlan, responseProfile } from '../../emulators/world/rep-response.ts';
import type { World } from '../../emulators/world/world.ts';
import { loadWorldFile, saveWorldFile, WorldFileError } from '../../emulators/world/world-file.ts';
import { findWorldIssues } from '../../emulators/world/world-integrity.ts';

const AS_OF = '2026-12-01T01:00:00.000Z';

function world(seed = 3, leads = 300): World {
  return generateWorld({ seed, leads, asOf: AS_OF });
}

describe('rep response profiles in the generated world', () => {
  it('gives every user a profile and a manager (but the sales head), the same for the same seed', () => {
    const w = world();
    expect(w.users.every((u) => u.response !== undefined)).toBe(true);
    const heads = w.users.filter((u) => u.managerKey === undefined);
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatchObject({ role: 'sales_planning', active: true });
    expect(world().users).toEqual(w.users);
    expect(findWorldIssues(w)).toEqual([]);
  });

  it('has every style, a field rep who never answers, and departed reps who never answer', () => {
    for (const seed of [1, 2, 3, 7]) {
      const users = world(seed, 3000).users;
      const styles = new Set(users.map((u) => u.response?.style));
      expect([...styles].sort()).toEqual([...RESPONSE_STYLES].sort());
      expect(users.some((u) => u.active && u.role === 'field_sales' && u.response?.style === 'never')).toBe(
        true,
      );
      for (const u of users.filter((x) => !x.active)) expect(u.response?.answerShare).toBe(0);
    }
  });

  it('leaves every other record of the world as it was (profiles come from their own random stream)', () => {
    const w = world(5, 200);
    const other = world(6, 200);
    // Different seeds give different profiles for the same roster positions somewhere...
    expect(w.users.map((u) => u.response?.style)).not.toEqual(other.users.map((u) => u.response?.style));
    // ...and stripping them leaves the world byte for byte as it was generated before profiles existed
    // (the digest of seed 5 / 200 leads taken on the commit before them).
    const users = w.users.map(({ response: _r, managerKey: _m, verdict: _v, ...u }) => u);
    const digest = createHash('sha256')
      .update(JSON.stringify({ ...w, users }))
      .digest('hex');
    expect(digest).toBe('3679bbc2cdd54ed26c8caaea14b0aed6b392a5017f142297aba91dc7237af7cb');
  });
});

describe('responsePlan', () => {
  it('is a pure function of seed, task and profile', () => {
    const p = responseProfile('steady');
    const plans = Array.from({ length: 50 }, (_, i) => responsePlan(1, `task-${i}`, p));
    expect(Array.from({ length: 50 }, (_, i) => responsePlan(1, `task-${i}`, p))).toEqual(plans);
    expect(Array.from({ length: 50 }, (_, i) => responsePlan(2, `task-${i}`, p))).not.toEqual(plans);
  });

  it('follows the profile: never answers nothing; shares and delays are near the profile', () => {
    const n = 4000;
    const never = responseProfile('never');
    for (let i = 0; i < 200; i++) expect(responsePlan(1, `t${i}`, never)).toEqual({ answers: false });
    for (const style of ['prompt', 'steady', 'late'] as const) {
      const p = responseProfile(style);
      const plans = Array.from({ length: n }, (_, i) => responsePlan(9, `t${i}`, p));
      const answered = plans.filter((x) => x.answers);
      expect(answered.length / n).toBeCloseTo(p.answerShare, 1);
      const late = answered.filter((x) => x.late);
      expect(late.length / answered.length).toBeCloseTo(p.lateShare, 1);
      for (const x of answered) {
        if (x.late) expect(x.afterHours).toBeGreaterThanOrEqual(p.lateDelayHours);
        else expect(x.afterHours).toBeLessThanOrEqual(p.typicalDelayHours * 1.5);
        expect(p.via[x.via]).toBeGreaterThan(0);
      }
    }
  });
});

describe('integrity and world files', () => {
  function broken(edit: (w: World) => void) {
    const w = structuredClone(world(2, 60));
    edit(w);
    return findWorldIssues(w).map((i) => `${i.collection}[${i.index}].${i.path}: ${i.message}`);
  }

  it('reports an unknown or looping manager and a profile that contradicts itself', () => {
    expect(
      broken((w) => {
        w.users[1]!.managerKey = 'u404';
      }),
    ).toEqual(['users[1].managerKey: unknown user "u404"']);
    const loop = broken((w) => {
      const head = w.users.find((u) => u.managerKey === undefined)!;
      head.managerKey = w.users.find((u) => u.key !== head.key)!.key;
    });
    expect(loop.length).toBeGreaterThan(0);
    expect(loop.every((l) => l.includes('manager cycle'))).toBe(true);
    expect(
      broken((w) => {
        const u = w.users.find((x) => !x.active)!;
        u.response = responseProfile('prompt');
      }),
    ).toEqual([expect.stringMatching(/response\.answerShare: is above 0 for an inactive user/)]);
    expect(
      broken((w) => {
        const u = w.users.find((x) => x.active)!;
        u.response = { ...responseProfile('late'), lateDelayHours: 1 };
      }),
    ).toEqual([expect.stringMatching(/response\.lateDelayHours: \(1\) must be above typicalDelayHours/)]);
    expect(
      broken((w) => {
        const u = w.users.find((x) => x.active)!;
        u.response = { ...responseProfile('never'), answerShare: 0.5 };
      })[0],
    ).toMatch(/response\.answerShare: is 0\.5 for style "never"/);
  });

  it('round-trips profiles and managers through a world file and names a bad profile field by line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rep-response-'));
    try {
      const w = world(4, 100);
      const path = join(dir, 'w.jsonl');
      await saveWorldFile(path, w);
      expect((await loadWorldFile(path)).users).toEqual(w.users);
      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
      const i = lines.findIndex((l) => l.startsWith('{"type":"user"'));
      const rec = JSON.parse(lines[i]!);
      rec.data.response.answerShare = 1.5;
      lines[i] = JSON.stringify(rec);
      const bad = join(dir, 'bad.jsonl');
      await writeFile(bad, `${lines.join('\n')}\n`);
      const error = await loadWorldFile(bad).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorldFileError);
      expect((error as WorldFileError).issues[0]).toMatchObject({
        line: i + 1,
        path: 'data.response.answerShare',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
