import type { WorldPerson } from './world.ts';

/**
 * A world person as they stood at an earlier instant `t` (the demo's history replays the 90 days
 * before the world's `asOf`): only the activities done by then, the IS hearing only once held, and an
 * MA score grown with the activity so far (MA tools add points per activity, so the share of activities
 * done by `t` scales today's score). `modifiedAt` is `t`: the record changed then. Null before the
 * person was created.
 */
export function personAsOf(person: WorldPerson, t: string): WorldPerson | null {
  const at = Date.parse(t);
  if (Date.parse(person.createdAt) > at) return null;
  const activities = person.activities.filter((a) => Date.parse(a.at) <= at);
  const share = person.activities.length === 0 ? 1 : activities.length / person.activities.length;
  return {
    ...person,
    activities,
    hearing: person.hearing && Date.parse(person.hearing.heardAt) <= at ? person.hearing : null,
    maScore: person.maScore === null ? null : Math.round(person.maScore * share),
    modifiedAt: new Date(at).toISOString(),
  };
}
