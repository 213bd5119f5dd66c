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

/**
 * CloudWatch alarms the stack deploys with these settings: the AWS::CloudWatch::Alarm resources of
 * infra/alarms.yml (both CRMs', whatever is enabled) and infra/salesforce-relay.yml, less those whose
 * CloudFormation condition is false. The one condition an alarm has today is known here; another
 * fails, so a new conditional alarm cannot be miscounted silently.
 */
export function deployedAlarms(settings: {
  crms: { salesforce: { eventRelay: { eventSourceName: string } } };
}): number {
  const conditions: Record<string, boolean> = {
    HasSalesforceEventRelay: settings.crms.salesforce.eventRelay.eventSourceName !== '',
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
