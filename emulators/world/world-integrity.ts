import type { World, WorldUser } from './world.ts';

/**
 * Cross-record rules of a world that a per-record schema cannot see: unique keys, e-mails and
 * domains; every reference (company, owner, requester, campaign, queue member, manager) resolves and
 * no manager chain loops; a response profile agrees with itself and a departed rep never answers nor
 * judges (no verdict profile); time runs forward (createdAt <= modifiedAt <= asOf, nothing happens
 * after asOf). Emulators rely on these when they seed from a file, and the generator's tests use them
 * as its invariants.
 */

export type WorldCollection = 'users' | 'queues' | 'companies' | 'campaigns' | 'people';

export interface WorldIssue {
  collection: WorldCollection;
  /** Index of the record inside its collection. */
  index: number;
  /** Field path inside the record, e.g. `activities[2].campaignKey`. */
  path: string;
  message: string;
}

function timeOf(iso: string): number {
  return Date.parse(iso);
}

/** Issues in record order per collection, at most `limit` of them. */
export function findWorldIssues(world: World, limit = Number.POSITIVE_INFINITY): WorldIssue[] {
  const issues: WorldIssue[] = [];
  const add = (collection: WorldCollection, index: number, path: string, message: string): boolean => {
    issues.push({ collection, index, path, message });
    return issues.length >= limit;
  };
  const asOf = timeOf(world.asOf);

  const keySets = {} as Record<WorldCollection, Set<string>>;
  const uniqueKeys = (collection: WorldCollection, records: ReadonlyArray<{ key: string }>): boolean => {
    const seen = new Set<string>();
    for (let i = 0; i < records.length; i++) {
      const key = (records[i] as { key: string }).key;
      if (seen.has(key) && add(collection, i, 'key', `duplicate key "${key}"`)) return true;
      seen.add(key);
    }
    keySets[collection] = seen;
    return false;
  };
  if (
    uniqueKeys('users', world.users) ||
    uniqueKeys('queues', world.queues) ||
    uniqueKeys('companies', world.companies) ||
    uniqueKeys('campaigns', world.campaigns) ||
    uniqueKeys('people', world.people)
  ) {
    return issues;
  }
  const users = keySets.users;
  const companies = keySets.companies;
  const campaigns = keySets.campaigns;

  for (let i = 0; i < world.users.length; i++) {
    const u = world.users[i] as WorldUser;
    if (u.managerKey !== undefined) {
      if (!users.has(u.managerKey)) {
        if (add('users', i, 'managerKey', `unknown user "${u.managerKey}"`)) return issues;
      } else if (managesThemselves(world.users, u)) {
        if (add('users', i, 'managerKey', `"${u.managerKey}" leads back to "${u.key}" (a manager cycle)`))
          return issues;
      }
    }
    for (const problem of responseProfileIssues(u))
      if (add('users', i, problem.path, problem.message)) return issues;
    if (
      !u.active &&
      u.verdict !== undefined &&
      add('users', i, 'verdict', 'is set for an inactive user (a departed rep judges nothing)')
    )
      return issues;
  }

  for (let i = 0; i < world.queues.length; i++) {
    const members = world.queues[i]?.memberKeys ?? [];
    for (let m = 0; m < members.length; m++) {
      const key = members[m] as string;
      if (!users.has(key) && add('queues', i, `memberKeys[${m}]`, `unknown user "${key}"`)) return issues;
    }
  }

  const domains = new Set<string>();
  const opportunityKeys = new Set<string>();
  for (let i = 0; i < world.companies.length; i++) {
    const c = world.companies[i];
    if (!c) continue;
    const domain = c.domain.toLowerCase();
    if (domains.has(domain) && add('companies', i, 'domain', `duplicate domain "${c.domain}"`)) return issues;
    domains.add(domain);
    if (!users.has(c.ownerKey) && add('companies', i, 'ownerKey', `unknown user "${c.ownerKey}"`))
      return issues;
    for (let o = 0; o < c.opportunities.length; o++) {
      const key = (c.opportunities[o] as { key: string }).key;
      if (
        opportunityKeys.has(key) &&
        add('companies', i, `opportunities[${o}].key`, `duplicate opportunity key "${key}"`)
      ) {
        return issues;
      }
      opportunityKeys.add(key);
    }
  }

  const emails = new Set<string>();
  for (let i = 0; i < world.people.length; i++) {
    const p = world.people[i];
    if (!p) continue;
    if (!companies.has(p.companyKey) && add('people', i, 'companyKey', `unknown company "${p.companyKey}"`))
      return issues;
    if (!users.has(p.ownerKey) && add('people', i, 'ownerKey', `unknown user "${p.ownerKey}"`)) return issues;
    if (p.manualRequestByKey !== null && !users.has(p.manualRequestByKey)) {
      if (add('people', i, 'manualRequestByKey', `unknown user "${p.manualRequestByKey}"`)) return issues;
    }
    const email = p.email.toLowerCase();
    if (emails.has(email) && add('people', i, 'email', `duplicate e-mail "${p.email}"`)) return issues;
    emails.add(email);

    const created = timeOf(p.createdAt);
    const modified = timeOf(p.modifiedAt);
    if (modified < created && add('people', i, 'modifiedAt', `is before createdAt (${p.createdAt})`))
      return issues;
    if (modified > asOf && add('people', i, 'modifiedAt', `is after the world's asOf (${world.asOf})`))
      return issues;
    if (p.hearing && timeOf(p.hearing.heardAt) > asOf) {
      if (add('people', i, 'hearing.heardAt', `is after the world's asOf (${world.asOf})`)) return issues;
    }
    for (let a = 0; a < p.activities.length; a++) {
      const activity = p.activities[a];
      if (!activity) continue;
      if (
        timeOf(activity.at) > asOf &&
        add('people', i, `activities[${a}].at`, `is after the world's asOf (${world.asOf})`)
      ) {
        return issues;
      }
      if (activity.campaignKey !== undefined && !campaigns.has(activity.campaignKey)) {
        if (add('people', i, `activities[${a}].campaignKey`, `unknown campaign "${activity.campaignKey}"`))
          return issues;
      }
    }
  }
  return issues;
}

/** Following managers from `user` comes back to `user`. */
function managesThemselves(all: readonly WorldUser[], user: WorldUser): boolean {
  const byKey = new Map(all.map((u) => [u.key, u]));
  const seen = new Set<string>();
  for (let k = user.managerKey; k !== undefined; k = byKey.get(k)?.managerKey) {
    if (k === user.key) return true;
    if (seen.has(k)) return false; // a loop further up, reported on its own members
    seen.add(k);
  }
  return false;
}

function responseProfileIssues(u: WorldUser): Array<{ path: string; message: string }> {
  const r = u.response;
  if (!r) return [];
  const out: Array<{ path: string; message: string }> = [];
  if (r.style === 'never' && r.answerShare !== 0)
    out.push({ path: 'response.answerShare', message: `is ${r.answerShare} for style "never" (must be 0)` });
  if (r.style !== 'never' && r.answerShare === 0)
    out.push({ path: 'response.answerShare', message: `is 0 for style "${r.style}" (use style "never")` });
  if (!u.active && r.answerShare > 0)
    out.push({
      path: 'response.answerShare',
      message: 'is above 0 for an inactive user (a departed rep never answers)',
    });
  if (r.answerShare > 0) {
    if (r.typicalDelayHours <= 0)
      out.push({ path: 'response.typicalDelayHours', message: 'must be above 0 for a rep who answers' });
    if (r.via.task + r.via.call + r.via.meeting <= 0)
      out.push({ path: 'response.via', message: 'needs a weight above 0 for a rep who answers' });
    if (r.lateShare > 0 && r.lateDelayHours <= r.typicalDelayHours)
      out.push({
        path: 'response.lateDelayHours',
        message: `(${r.lateDelayHours}) must be above typicalDelayHours (${r.typicalDelayHours}) when lateShare is above 0`,
      });
  }
  return out;
}
