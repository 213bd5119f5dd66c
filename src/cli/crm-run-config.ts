import { loadRuleSet } from '../config/load-rule-set.ts';
import { readConfigFile } from '../config/read-config-file.ts';
import { ReasonRenderer } from '../reasons/render-reasons.ts';
import { parseRoutingConfig } from '../routing/routing-config.ts';
import { compileRuleSet } from '../scoring/compile-rule-set.ts';
import { parseSlaConfig } from '../sla/sla-config.ts';
import { loadNotificationsFile } from './notifications-file.ts';
import type { resolveSyncSettings } from './settings.ts';

export type CrmRunConfig = ReturnType<typeof loadCrmRunConfig>;

/** The files a sync and a sweep read: rules, routing, SLA ladder and notifications. */
export function loadCrmRunConfig(settings: ReturnType<typeof resolveSyncSettings>) {
  const rs = loadRuleSet(settings.rules);
  const routing = parseRoutingConfig(
    readConfigFile(
      settings.routingFile,
      'routing file',
      'check the path, or set TOSSUP_ROUTING (or the profile key) to the right file',
    ),
    settings.routingFile,
    { crm: settings.crm },
  );
  return {
    rules: compileRuleSet(rs),
    renderer: new ReasonRenderer(settings.locale, rs.messages),
    routing,
    // No notifications file: no chat message (the CRM work is the same).
    notifications: loadNotificationsFile(settings.notificationsFile, routing),
    sla: parseSlaConfig(
      readConfigFile(
        settings.slaFile,
        'SLA file',
        'check the path, or set TOSSUP_SLA (or the profile key) to the right file',
      ),
      settings.slaFile,
    ),
  };
}
