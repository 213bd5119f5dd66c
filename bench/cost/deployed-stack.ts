import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type LambdaArchitecture = 'arm64' | 'x86_64';

/**
 * The architecture every function of `path` (serverless.yml) deploys with: the provider's, which no
 * function overrides (a mixed stack would need a price per function; the model has one).
 */
export function deployedArchitecture(path: string): LambdaArchitecture {
  // CloudFormation's short tags (!Ref, !GetAtt) are left unresolved: only the architecture keys are read.
  const doc = parseYaml(readFileSync(path, 'utf8'), { logLevel: 'error' }) as {
    provider?: { architecture?: string };
    functions?: Record<string, { architecture?: string }>;
  };
  const provider = doc.provider?.architecture ?? 'x86_64';
  const found = new Set([
    provider,
    ...Object.values(doc.functions ?? {}).map((f) => f.architecture ?? provider),
  ]);
  const [only] = found;
  if (found.size !== 1 || (only !== 'arm64' && only !== 'x86_64'))
    throw new Error(
      `${path}: expected one Lambda architecture (arm64 or x86_64) for every function, found ${[...found].join(', ')}`,
    );
  return only;
}

/** What of the deploy settings decides which alarms exist. */
export interface AlarmSettings {
  crms: Record<
    'salesforce' | 'hubspot',
    { enabled: boolean; sweep?: { enabled?: boolean }; eventRelay?: { eventSourceName?: string } }
  >;
}

/**
 * CloudWatch alarms the stack deploys with these settings: the AWS::CloudWatch::Alarm resources of
 * infra/alarms.yml and infra/salesforce-relay.yml whose CloudFormation condition holds (an enabled
 * CRM's, its sweep's while the sweep is on, the relay's when it is set up). The conditions an alarm
 * has today are known here; another fails, so a new conditional alarm cannot be miscounted silently.
 */
export function deployedAlarms(settings: AlarmSettings): number {
  const { salesforce, hubspot } = settings.crms;
  const conditions: Record<string, boolean> = {
    SalesforceEnabled: salesforce.enabled,
    HubspotEnabled: hubspot.enabled,
    SalesforceSweepEnabled: salesforce.sweep?.enabled === true,
    HubspotSweepEnabled: hubspot.sweep?.enabled === true,
    HasSalesforceEventRelay: (salesforce.eventRelay?.eventSourceName ?? '') !== '',
  };
  let n = 0;
  for (const path of ['infra/alarms.yml', 'infra/salesforce-relay.yml']) {
    const doc = parseYaml(readFileSync(path, 'utf8'), { logLevel: 'error' }) as {
      Resources?: Record<string, { Type?: string; Condition?: string }>;
    };
    for (const [id, r] of Object.entries(doc.Resources ?? {})) {
      if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
      if (r.Condition !== undefined && !(r.Condition in conditions))
        throw new Error(
          `${path}: alarm ${id} has condition ${r.Condition}, which the cost model does not know`,
        );
      if (r.Condition === undefined || conditions[r.Condition]) n++;
    }
  }
  return n;
}
