import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { type DeploySettings, loadDeploySettings } from '../../scripts/deploy-settings.ts';
import { effectiveTemplate } from './support/effective-template.ts';
import { packageTemplate, type Template } from './support/package-template.ts';

/**
 * Salesforce change events on AWS (infra/salesforce-relay.yml) as `osls package` renders it, offline,
 * and as CloudFormation would create it (conditions evaluated): with the partner event source name
 * set, a partner bus, a rule taking only our relay's change events of the four objects to the
 * Salesforce events queue (retries, a DLQ), and a queue policy letting only that rule send; without
 * it, none of that.
 */
const SOURCE = 'aws.partner/salesforce.com/00D5j00000ABCDEFGH/0YL5j0000000ABCDEF';
const settings = loadDeploySettings(resolve('infra', 'settings.yml'));
let work: string;
let shipped: Template;
let relayed: Template;

const relaySettings = (): DeploySettings => {
  const s = structuredClone(settings);
  s.crms.salesforce.enabled = true;
  s.crms.salesforce.eventRelay = { eventSourceName: SOURCE };
  return s;
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tossup-relay-stack-'));
  shipped = effectiveTemplate(packageTemplate(work, 'shipped', settings));
  relayed = effectiveTemplate(packageTemplate(work, 'relayed', relaySettings()));
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const props = (t: Template, id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`the template has no resource ${id}`);
  return r.Properties;
};
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const queuePolicyStatements = (t: Template, queue: string) =>
  ofType(t, 'AWS::SQS::QueuePolicy')
    .filter(([, r]) => JSON.stringify(r.Properties.Queues).includes(`"${queue}"`))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as { Sid: string; Effect: string }[]);
const RULE_ARN = { 'Fn::GetAtt': ['SalesforceChangeEventsRule', 'Arn'] };

describe('Salesforce Event Relay on AWS (infra/salesforce-relay.yml, osls package)', () => {
  it('without an event source name, declares no bus, rule, relay queue or queue permission', () => {
    expect(settings.crms.salesforce.eventRelay.eventSourceName).toBe('');
    expect(ofType(shipped, 'AWS::Events::EventBus')).toEqual([]);
    expect(ofType(shipped, 'AWS::Events::Rule').map(([id]) => id)).not.toContain(
      'SalesforceChangeEventsRule',
    );
    expect(Object.keys(shipped.Resources).filter((id) => id.startsWith('SalesforceRelay'))).toEqual([]);
    for (const queue of ['LeadsQueueSalesforce', 'EventsQueueSalesforce'])
      expect(queuePolicyStatements(shipped, queue).map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
    const queuePolicies = ofType(shipped, 'AWS::SQS::QueuePolicy').map(([, r]) => JSON.stringify(r));
    expect(queuePolicies.filter((p) => p.includes('events.amazonaws.com'))).toEqual([]);
    const worker = props(shipped, 'WorkerSalesforceLambdaFunction').Environment.Variables;
    expect(worker.TOSSUP_SALESFORCE_EVENT_SOURCE).toBe('');
  });

  it('with it, the partner event bus takes the partner event source (same name)', () => {
    expect(ofType(relayed, 'AWS::Events::EventBus').map(([id]) => id)).toEqual(['SalesforceEventBus']);
    expect(props(relayed, 'SalesforceEventBus')).toEqual({ Name: SOURCE, EventSourceName: SOURCE });
  });

  it('the rule matches only our relay source and the change events of Lead, Contact, Account, Opportunity', () => {
    const rule = props(relayed, 'SalesforceChangeEventsRule');
    expect(rule.EventBusName).toEqual({ Ref: 'SalesforceEventBus' });
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventPattern).toEqual({
      source: [SOURCE],
      'detail-type': [
        'LeadChangeEvent',
        'ContactChangeEvent',
        'AccountChangeEvent',
        'OpportunityChangeEvent',
      ],
    });
  });

  it('its one target is the Salesforce events queue (the worker drains it in event batches), with retries and a DLQ', () => {
    const [target, ...others] = props(relayed, 'SalesforceChangeEventsRule').Targets;
    expect(others).toEqual([]);
    // Not the leads queue: there a burst of single changes would be batched like the sync's packs.
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['EventsQueueSalesforce', 'Arn'] });
    const mappings = ofType(relayed, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    expect(
      mappings.find((m) => JSON.stringify(m.EventSourceArn).includes('EventsQueueSalesforce'))?.FunctionName,
    ).toEqual({ 'Fn::GetAtt': ['WorkerSalesforceLambdaFunction', 'Arn'] });
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['SalesforceRelayDlq', 'Arn'] } });
    expect(props(relayed, 'SalesforceRelayDlq')).toMatchObject({
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
    expect(props(relayed, 'SalesforceRelayDlqDepthAlarm').Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': ['SalesforceRelayDlq', 'QueueName'] } },
    ]);
  });

  it('only that rule may send to the events queue and to its DLQ (EventBridge, aws:SourceArn = the rule)', () => {
    for (const queue of ['EventsQueueSalesforce', 'SalesforceRelayDlq']) {
      const statements = queuePolicyStatements(relayed, queue);
      expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'OnlyTheChangeEventsRule']);
      expect(statements[1]).toEqual({
        Sid: 'OnlyTheChangeEventsRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
      });
    }
    // Nothing else gains access: the leads queues' and HubSpot's policies are unchanged, no role gains
    // an events action.
    for (const queue of ['LeadsQueueSalesforce', 'LeadsQueueHubspot', 'EventsQueueHubspot'])
      expect(queuePolicyStatements(relayed, queue).map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
    const roleActions = ofType(relayed, 'AWS::IAM::Role').flatMap(([, r]) =>
      (r.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[] }[] } }[]).flatMap(
        (p) => p.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()),
      ),
    );
    expect(roleActions.filter((a) => a.startsWith('events:'))).toEqual([]);
  });

  it('tells the Salesforce worker which source to accept (the org id is its third part)', () => {
    expect(
      props(relayed, 'WorkerSalesforceLambdaFunction').Environment.Variables.TOSSUP_SALESFORCE_EVENT_SOURCE,
    ).toBe(SOURCE);
    expect(
      props(relayed, 'WorkerHubspotLambdaFunction').Environment.Variables.TOSSUP_SALESFORCE_EVENT_SOURCE,
    ).toBeUndefined();
  });

  it('the settings refuse a malformed source name, and a relay for a disabled Salesforce', () => {
    const file = join(work, 'bad.yml');
    const bad = relaySettings();
    bad.crms.salesforce.eventRelay.eventSourceName = 'aws.partner/salesforce.com/not-an-org';
    writeFileSync(file, toYaml(bad));
    expect(() => loadDeploySettings(file)).toThrow(
      /crms\.salesforce\.eventRelay\.eventSourceName: is the partner event source/,
    );
    const disabled = relaySettings();
    disabled.crms.salesforce.enabled = false;
    writeFileSync(file, toYaml(disabled));
    expect(() => loadDeploySettings(file)).toThrow(
      /eventSourceName is set but crms\.salesforce\.enabled is false/,
    );
  });
});
