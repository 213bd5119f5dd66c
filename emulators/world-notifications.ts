import { stringify } from 'yaml';
import type { SlackUser } from './chat/slack-emulator.ts';
import type { World } from './world/world.ts';

/**
 * A `mappings/notifications.yaml` and Slack workspace for a generated world, so the demo's sweep
 * posts to an emulated Slack the way a configured one would: field-sales pools to #field-sales,
 * inside sales (and owners in no pool) to #inside-sales, reminders by direct message to the owner,
 * escalations to the team and the manager. The pool ids are those of `world-routing.ts`.
 */
export function notificationsYamlForWorld(world: World, language: 'ja' | 'en' = 'ja'): string {
  // The pools world-routing.ts makes: one per territory with an active field rep.
  const territories = [
    ...new Set(world.users.filter((u) => u.active && u.role === 'field_sales').map((u) => u.territory)),
  ].sort();
  const channels: Record<string, string> = { fs_all: '#field-sales', inside_sales: '#inside-sales' };
  for (const t of territories) channels[`fs_${t}`] = '#field-sales';
  const doc = {
    version: 1,
    language,
    events: {
      // The demo hands off hundreds of leads at once: the hand-off itself is the CRM task, not a chat line.
      'toss-up': 'off',
      reminder: { team: false, dm: ['owner'] },
      escalation: { team: true, dm: ['manager'] },
      reassignment: { team: true, dm: ['owner'] },
    },
    slack: { channels, defaultChannel: '#inside-sales' },
  };
  return `# Generated for the emulators' sample world (seed ${world.seed}); not for a real workspace.\n${stringify(doc)}`;
}

/** The world's reps as members of the emulated Slack workspace (found by e-mail, as Slack does). */
export function slackUsersForWorld(world: World): SlackUser[] {
  return world.users.map((u) => ({
    id: `U${u.key.toUpperCase()}`,
    email: u.email,
    name: `${u.lastName} ${u.firstName}`,
  }));
}
