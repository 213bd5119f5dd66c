import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../emulators/world/generate.ts';
import type { World } from '../../emulators/world/world.ts';
import { findWorldIssues } from '../../emulators/world/world-integrity.ts';

const AS_OF = '2026-09-01T00:00:00.000Z';

function broken(edit: (w: World) => void): World {
  const world = structuredClone(generateWorld({ seed: 2, leads: 60, asOf: AS_OF }));
  edit(world);
  return world;
}

describe('findWorldIssues', () => {
  it('accepts a generated world', () => {
    expect(findWorldIssues(generateWorld({ seed: 2, leads: 60, asOf: AS_OF }))).toEqual([]);
  });

  it.each([
    [
      'duplicate person key',
      (w: World) => {
        w.people[1]!.key = w.people[0]!.key;
      },
      'people',
      1,
      'key',
    ],
    [
      'unknown company',
      (w: World) => {
        w.people[2]!.companyKey = 'c404';
      },
      'people',
      2,
      'companyKey',
    ],
    [
      'unknown owner',
      (w: World) => {
        w.people[3]!.ownerKey = 'u404';
      },
      'people',
      3,
      'ownerKey',
    ],
    [
      'unknown requester',
      (w: World) => {
        w.people[4]!.manualRequestByKey = 'u405';
      },
      'people',
      4,
      'manualRequestByKey',
    ],
    [
      'duplicate e-mail (case-insensitive)',
      (w: World) => {
        w.people[5]!.email = w.people[0]!.email.toUpperCase();
      },
      'people',
      5,
      'email',
    ],
    [
      'modified before created',
      (w: World) => {
        w.people[6]!.modifiedAt = '2000-01-01T00:00:00.000Z';
      },
      'people',
      6,
      'modifiedAt',
    ],
    [
      'modified after asOf',
      (w: World) => {
        w.people[7]!.modifiedAt = '2026-09-01T00:00:01.000Z';
      },
      'people',
      7,
      'modifiedAt',
    ],
    [
      'activity after asOf',
      (w: World) => {
        w.people[8]!.activities = [{ type: 'inquiry', at: '2027-01-01T00:00:00.000Z' }];
      },
      'people',
      8,
      'activities[0].at',
    ],
    [
      'unknown campaign',
      (w: World) => {
        w.people[9]!.activities = [{ type: 'document_request', at: AS_OF, campaignKey: 'cmp99' }];
      },
      'people',
      9,
      'activities[0].campaignKey',
    ],
    [
      'company owner unknown',
      (w: World) => {
        w.companies[1]!.ownerKey = 'u406';
      },
      'companies',
      1,
      'ownerKey',
    ],
    [
      'duplicate domain',
      (w: World) => {
        w.companies[2]!.domain = w.companies[0]!.domain.toUpperCase();
      },
      'companies',
      2,
      'domain',
    ],
    [
      'queue member unknown',
      (w: World) => {
        w.queues[0]!.memberKeys.push('u407');
      },
      'queues',
      0,
      `memberKeys[${0}]`,
    ],
  ] as const)('finds %s', (_name, edit, collection, index, path) => {
    const world = broken(edit);
    const issues = findWorldIssues(world);
    if (collection === 'queues') {
      expect(issues.some((i) => i.collection === 'queues' && i.message.includes('u407'))).toBe(true);
      return;
    }
    expect(issues).toContainEqual(expect.objectContaining({ collection, index, path }));
  });

  it('stops at the limit', () => {
    const world = broken((w) => {
      for (const p of w.people) p.ownerKey = 'u404';
    });
    expect(findWorldIssues(world, 5)).toHaveLength(5);
  });
});
