import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { deployedAlarms, deployedArchitecture } from '../../bench/cost/deployed-stack.ts';
import { type BuildResult, buildLambdas } from '../../scripts/build-lambdas.ts';
import {
  type DeploySettings,
  eventBatchSize,
  invariantProblems,
  leadsPerMessage,
  loadDeploySettings,
  workerBatchLeads,
  workerBatchSize,
} from '../../scripts/deploy-settings.ts';
import { filesUnder, scanSecrets } from '../../scripts/scan-secrets.ts';
import { DUE_INDEX } from '../../src/aws/dynamodb-episode-store.ts';
import { COUNT_NAMES, DEFAULT_PUBLISHED_METRICS } from '../../src/handlers/published-metrics.ts';
import { allows, arnOf, type IamRequest, roleStatements, secretArn } from './support/iam-policy.ts';

/**
 * The deployable stack, end to end and offline: the Lambda build (validation + esbuild + zip) and
 * `osls package` (no AWS credentials needed), then the invariants of the generated CloudFormation
 * template that the reliability plan asks for (test D9 and the IAM rules of B6).
 *
 * One file, run sequentially: the build and the packaging are the slow part (seconds), done once in
 * a private temporary directory, so nothing here races with another test or with `dist/`.
 */
const ROOT = resolve('.');
const OSLS = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
const settings = loadDeploySettings(join(ROOT, 'infra', 'settings.yml'));

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read by path in assertions
type Json = any;
type Template = {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown; Condition?: string }
  >;
  Conditions?: unknown;
};

let work: string;
let build: BuildResult;
/**
 * Template with the settings as shipped (both CRMs disabled) and with both CRMs enabled (in a file
 * without `metrics`).
 */
let shipped: Template;
let enabled: Template;
/** Both CRMs and both sweeps enabled, the sweeps every 10 minutes; no metric published. */
let sweeping: Template;

function oslsPackage(settingsFile: string, outDir: string): Template {
  const r = spawnSync(process.execPath, [OSLS, 'package', '--stage', 'test', '--package', outDir], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: work,
      // osls needs no credentials to package; dummy ones keep it from looking for a profile.
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'ap-northeast-1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      TOSSUP_SETTINGS: settingsFile,
    },
    timeout: 90_000,
  });
  if (r.status !== 0) throw new Error(`osls package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(
    readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tossup-stack-'));
  // The Lambda runtime provides the AWS SDK the bundles leave out; here the repo's node_modules does.
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  cpSync(join(ROOT, 'serverless.yml'), join(work, 'serverless.yml'));
  cpSync(join(ROOT, 'infra'), join(work, 'infra'), { recursive: true });
  build = await buildLambdas({ outDir: join(work, 'dist', 'lambda'), metafile: true });
  shipped = oslsPackage(join(work, 'infra', 'settings.yml'), join(work, '.serverless-shipped'));
  const on: DeploySettings = structuredClone(settings);
  on.crms.salesforce.enabled = true;
  on.crms.hubspot.enabled = true;
  on.alarmEmail = 'revops@example.co.jp';
  // Without `metrics`, as a settings file of an earlier version: serverless.yml's default list.
  const { metrics: _metrics, ...older } = on;
  writeFileSync(join(work, 'infra', 'settings.enabled.yml'), toYaml(older));
  enabled = oslsPackage(join(work, 'infra', 'settings.enabled.yml'), join(work, '.serverless-enabled'));
  const sweep: DeploySettings = structuredClone(on);
  for (const crm of ['salesforce', 'hubspot'] as const)
    sweep.crms[crm].sweep = { enabled: true, schedule: 'rate(10 minutes)' };
  sweep.metrics = { published: [] };
  writeFileSync(join(work, 'infra', 'settings.sweep.yml'), toYaml(sweep));
  sweeping = oslsPackage(join(work, 'infra', 'settings.sweep.yml'), join(work, '.serverless-sweep'));
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CRMS = [
  { crm: 'salesforce', C: 'Salesforce' },
  { crm: 'hubspot', C: 'Hubspot' },
] as const;
const FUNCTIONS = [
  'SyncSalesforce',
  'WorkerSalesforce',
  'SweepSalesforce',
  'SyncHubspot',
  'WorkerHubspot',
  'SweepHubspot',
  'WebhookHubspot',
];

const res = (t: Template, id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`the template has no resource ${id}`);
  return r;
};
const props = (t: Template, id: string) => res(t, id).Properties as Json;
const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
/** The alarms a template deploys: those without a condition or whose condition (literal Fn::Equals, Fn::Not) holds. */
const alarmsDeployed = (t: Template) => {
  const conditions = (t.Conditions ?? {}) as Record<string, unknown>;
  const holds = (c: unknown): boolean => {
    const o = c as Record<string, unknown[]>;
    if (o['Fn::Not']) return !holds(o['Fn::Not'][0]);
    if (o['Fn::Equals']) return String(o['Fn::Equals'][0]) === String(o['Fn::Equals'][1]);
    throw new Error(`condition not evaluated here: ${JSON.stringify(c)}`);
  };
  return ofType(t, 'AWS::CloudWatch::Alarm').filter(
    ([, r]) => r.Condition === undefined || holds(conditions[r.Condition as string]),
  );
};

describe('the deployable stack (build + osls package)', () => {
  describe('queues, dead-letter queues and the event source mappings', () => {
    for (const { crm, C } of CRMS) {
      it(`${crm}: visibility timeout ≥ 6 × the worker timeout, and a DLQ after ≥ 5 receives`, () => {
        const queue = props(shipped, `LeadsQueue${C}`);
        const worker = props(shipped, `Worker${C}LambdaFunction`);
        expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Timeout);
        expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
        expect(queue.RedrivePolicy.maxReceiveCount).toBe(settings.queue.maxReceiveCount);
        expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [`LeadsDlq${C}`, 'Arn'] });
        expect(res(shipped, `LeadsDlq${C}`).Type).toBe('AWS::SQS::Queue');
        expect(queue.SqsManagedSseEnabled).toBe(true);
      });

      it(`${crm}: an alarm fires as soon as its DLQ holds a message`, () => {
        const alarm = props(shipped, `LeadsDlq${C}DepthAlarm`);
        expect(alarm).toMatchObject({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [`LeadsDlq${C}`, 'QueueName'] } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [{ Ref: 'AlarmTopic' }],
        });
      });

      it(`${crm}: the events queue (change events) is a leads queue's twin with a DLQ of its own`, () => {
        const queue = props(shipped, `EventsQueue${C}`);
        const leads = props(shipped, `LeadsQueue${C}`);
        for (const key of ['VisibilityTimeout', 'MessageRetentionPeriod', 'SqsManagedSseEnabled'])
          expect([key, queue[key]]).toEqual([key, leads[key]]);
        expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
          6 * props(shipped, `Worker${C}LambdaFunction`).Timeout,
        );
        expect(queue.RedrivePolicy).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [`EventsDlq${C}`, 'Arn'] },
          maxReceiveCount: settings.queue.maxReceiveCount,
        });
        expect(props(shipped, `EventsDlq${C}`)).toMatchObject({
          MessageRetentionPeriod: 1209600,
          SqsManagedSseEnabled: true,
        });
        // Plain HTTP refused on both, as on the leads queue and its DLQ.
        const [[, policy]] = ofType(shipped, 'AWS::SQS::QueuePolicy').filter(([id]) =>
          id.startsWith(`EventsQueue${C}`),
        ) as [[string, Template['Resources'][string]]];
        expect((policy.Properties as Json).Queues).toEqual([
          { Ref: `EventsQueue${C}` },
          { Ref: `EventsDlq${C}` },
        ]);
        expect((policy.Properties as Json).PolicyDocument.Statement[0]).toMatchObject({
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        });
        for (const [alarm, queueId, metric, threshold] of [
          [`EventsDlq${C}DepthAlarm`, `EventsDlq${C}`, 'ApproximateNumberOfMessagesVisible', 0],
          [`EventsQueue${C}AgeAlarm`, `EventsQueue${C}`, 'ApproximateAgeOfOldestMessage', 3600],
        ] as const) {
          expect(props(shipped, alarm)).toMatchObject({
            Namespace: 'AWS/SQS',
            MetricName: metric,
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
            Threshold: threshold,
            ComparisonOperator: 'GreaterThanThreshold',
            AlarmActions: [{ Ref: 'AlarmTopic' }],
          });
        }
      });

      it(`${crm}: the worker drains both queues, reports batch item failures, with concurrency sized by the settings`, () => {
        const mappings = (t: Template) =>
          ofType(t, 'AWS::Lambda::EventSourceMapping')
            .filter(([, r]) => JSON.stringify(r.Properties.FunctionName).includes(`Worker${C}LambdaFunction`))
            .map(([, r]) => r.Properties as Json);
        const of = (t: Template, queue: string) => {
          const found = mappings(t).filter(
            (m) => JSON.stringify(m.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] }),
          );
          expect(found, `${queue}: one mapping to the worker`).toHaveLength(1);
          return found[0];
        };
        expect(mappings(shipped)).toHaveLength(2);
        const p = of(shipped, `LeadsQueue${C}`);
        const e = of(shipped, `EventsQueue${C}`);
        for (const m of [p, e]) {
          expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
          expect(m.MaximumBatchingWindowInSeconds).toBe(settings.worker.maximumBatchingWindowSeconds);
          if (m.BatchSize > 10) expect(m.MaximumBatchingWindowInSeconds).toBeGreaterThanOrEqual(1);
          expect(m.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
          expect(m.Enabled).toBe(false);
        }
        expect(p.ScalingConfig.MaximumConcurrency).toBe(settings.crms[crm].maximumConcurrency);
        expect(e.ScalingConfig.MaximumConcurrency).toBe(settings.crms[crm].eventMaximumConcurrency);
        // Reserved concurrency covers both mappings' maximum at once, or Lambda throttles the pollers.
        expect(
          props(shipped, `Worker${C}LambdaFunction`).ReservedConcurrentExecutions,
        ).toBeGreaterThanOrEqual(p.ScalingConfig.MaximumConcurrency + e.ScalingConfig.MaximumConcurrency);
        // The sync's packed messages in small batches, the change events (one a message) in big ones:
        // a batch of either is about one write call of leads.
        expect(p.BatchSize).toBe(workerBatchSize(settings, crm));
        expect(e.BatchSize).toBe(eventBatchSize(settings, crm));
        expect(e.BatchSize).toBe(crm === 'salesforce' ? 200 : 100);
        for (const queue of [`LeadsQueue${C}`, `EventsQueue${C}`])
          expect(of(enabled, queue).Enabled).toBe(true);
      });

      it(`${crm}: the sync sends to the leads queue; the worker is told both (a delay goes to the record's own queue)`, () => {
        const env = (fn: string) => props(shipped, `${fn}LambdaFunction`).Environment.Variables;
        expect(env(`Sync${C}`).TOSSUP_QUEUE_URL).toEqual({ Ref: `LeadsQueue${C}` });
        expect(env(`Worker${C}`).TOSSUP_QUEUE_URL).toEqual({ Ref: `LeadsQueue${C}` });
        expect(env(`Worker${C}`).TOSSUP_EVENTS_QUEUE_URL).toEqual({ Ref: `EventsQueue${C}` });
      });

      it(`${crm}: the sync runs on its schedule (when enabled), one at a time, never retried by Lambda`, () => {
        const [[, rule]] = ofType(shipped, 'AWS::Events::Rule').filter(([id]) =>
          id.startsWith(`Sync${C}`),
        ) as [[string, Template['Resources'][string]]];
        expect(rule.Properties).toMatchObject({
          ScheduleExpression: settings.crms[crm].schedule,
          State: 'DISABLED',
        });
        const [[, onRule]] = ofType(enabled, 'AWS::Events::Rule').filter(([id]) =>
          id.startsWith(`Sync${C}`),
        ) as [[string, Template['Resources'][string]]];
        expect(onRule.Properties.State).toBe('ENABLED');
        expect(props(shipped, `Sync${C}LambdaFunction`).ReservedConcurrentExecutions).toBe(1);
        expect(props(shipped, `Sync${C}LambdaEvConf`)).toMatchObject({ MaximumRetryAttempts: 0 });
        // The sync packs as the settings say; the worker's batch of messages then holds the leads
        // one write call takes.
        expect(
          String(props(shipped, `Sync${C}LambdaFunction`).Environment.Variables.TOSSUP_LEADS_PER_MESSAGE),
        ).toBe(String(leadsPerMessage(settings)));
        expect(workerBatchLeads(settings, crm)).toBe(crm === 'salesforce' ? 200 : 100);
      });

      it(`${crm}: the SLA sweep runs on its own schedule only when enabled, one at a time, never retried by Lambda`, () => {
        const rule = (t: Template) => {
          const rules = ofType(t, 'AWS::Events::Rule').filter(([, r]) =>
            JSON.stringify(r.Properties.Targets).includes(`Sweep${C}LambdaFunction`),
          );
          expect(rules).toHaveLength(1);
          return rules[0]![1].Properties as Json;
        };
        expect(settings.crms[crm].sweep).toEqual({ enabled: false, schedule: 'rate(5 minutes)' });
        expect(rule(shipped)).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED' });
        // Enabling the CRM alone does not start the sweep: it has its own switch.
        expect(rule(enabled).State).toBe('DISABLED');
        expect(rule(sweeping).State).toBe('ENABLED');
        expect(rule(sweeping).ScheduleExpression).toBe('rate(10 minutes)');
        const fn = props(shipped, `Sweep${C}LambdaFunction`);
        expect(fn.ReservedConcurrentExecutions).toBe(1);
        expect(fn.Timeout).toBe(settings.sweep.timeoutSeconds);
        expect(props(shipped, `Sweep${C}LambdaEvConf`)).toMatchObject({ MaximumRetryAttempts: 0 });
        expect(fn.Environment.Variables).toMatchObject({
          TOSSUP_CRM: crm,
          TOSSUP_SECRET_ID: `tossup/test/${crm}`,
          TOSSUP_CHAT_SECRET_ID: 'tossup/test/chat',
        });
        // The worker queues toss-up chat notices only where this sweep runs to send them.
        const notices = (t: Template) =>
          props(t, `Worker${C}LambdaFunction`).Environment.Variables.TOSSUP_TOSS_UP_NOTICES;
        expect([notices(shipped), notices(enabled), notices(sweeping)].map(String)).toEqual([
          'false',
          'false',
          'true',
        ]);
        expect(props(shipped, `Sweep${C}ErrorsAlarm`).Dimensions).toEqual([
          { Name: 'FunctionName', Value: { Ref: `Sweep${C}LambdaFunction` } },
        ]);
      });
    }
  });

  describe('functions and logs', () => {
    it('every function runs its own prebuilt bundle on nodejs22.x/arm64 with a log group kept as configured', () => {
      const artifacts: Record<string, string> = {
        SyncSalesforce: 'sync-salesforce.zip',
        WorkerSalesforce: 'worker-salesforce.zip',
        SyncHubspot: 'sync-hubspot.zip',
        WorkerHubspot: 'worker-hubspot.zip',
        SweepSalesforce: 'sweep-salesforce.zip',
        SweepHubspot: 'sweep-hubspot.zip',
        WebhookHubspot: 'webhook-hubspot.zip',
      };
      for (const fn of FUNCTIONS) {
        const p = props(shipped, `${fn}LambdaFunction`);
        expect(p).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
        });
        expect(p.Code.S3Key).toMatch(new RegExp(`/${artifacts[fn]}$`));
        expect(props(shipped, `${fn}LogGroup`).RetentionInDays).toBe(settings.logRetentionDays);
      }
      // The CRM functions and the weekly report (test/infra/ledger-stack.test.ts checks that one).
      expect(ofType(shipped, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length + 1);
      // The cost model prices GB-seconds at the architecture it reads from serverless.yml: the one shipped.
      const shippedArchitectures = new Set(
        ofType(shipped, 'AWS::Lambda::Function').flatMap(([, r]) => r.Properties.Architectures ?? ['x86_64']),
      );
      expect([...shippedArchitectures]).toEqual([deployedArchitecture('serverless.yml')]);
      // And bills every month the alarms it counts: the ones each template deploys (condition true).
      const on = (t: Template, crmsOn: boolean, sweepsOn: boolean) => {
        const s: DeploySettings = structuredClone(settings);
        for (const crm of ['salesforce', 'hubspot'] as const) {
          s.crms[crm].enabled = crmsOn;
          s.crms[crm].sweep = { ...s.crms[crm].sweep, enabled: sweepsOn };
        }
        return [deployedAlarms(s), alarmsDeployed(t).length] as const;
      };
      // Strings on both sides: CloudFormation compares strings, and a setting alone would be a boolean.
      expect((shipped.Conditions as Record<string, unknown>).SalesforceEnabled).toEqual({
        'Fn::Equals': ['on=false', 'on=true'],
      });
      const [none, shippedAlarms] = on(shipped, false, false);
      expect(shippedAlarms).toBe(none);
      // The shipped settings enable no CRM: only the queues', DLQs' and webhook's alarms (a CRM stopped
      // with messages waiting must still say so), no function's that cannot run.
      expect(shippedAlarms).toBe(9);
      const [crms, enabledAlarms] = on(enabled, true, false);
      expect(enabledAlarms).toBe(crms);
      expect(enabledAlarms).toBe(13);
      expect(on(sweeping, true, true)).toEqual([15, 15]);
      // Every condition compares strings (a lost `on=` would put a JSON boolean in Fn::Equals).
      for (const [name, c] of Object.entries(
        shipped.Conditions as Record<string, { 'Fn::Equals'?: unknown[] }>,
      ))
        if (name.endsWith('Enabled'))
          expect(c['Fn::Equals']?.map((v) => typeof v)).toEqual(['string', 'string']);
    });

    it('the sync, workers and sweeps are told the counts to publish as metrics: the settings, the default list, or none', () => {
      const told = (t: Template, fn: string) =>
        props(t, `${fn}LambdaFunction`).Environment.Variables.TOSSUP_METRICS;
      const joined = (names: readonly string[]) => ({ 'Fn::Join': [',', [...names]] });
      // As shipped, infra/settings.yml names the default list.
      expect(settings.metrics.published).toEqual(DEFAULT_PUBLISHED_METRICS);
      for (const fn of FUNCTIONS) {
        // The webhook writes no metrics line.
        const counts = fn !== 'WebhookHubspot';
        expect(told(shipped, fn), fn).toEqual(counts ? joined(settings.metrics.published) : undefined);
        // A settings file without `metrics`: serverless.yml's fallback is the functions' own default.
        expect(told(enabled, fn), fn).toEqual(counts ? joined(DEFAULT_PUBLISHED_METRICS) : undefined);
        // [] joins to '': the line is written, nothing is published.
        expect(told(sweeping, fn), fn).toEqual(counts ? joined([]) : undefined);
      }
      expect(told(shipped, 'WeeklyReport')).toBeUndefined();
    });

    it('with HubSpot enabled, the reconciling incremental read is scheduled beside the webhook by default', () => {
      // Webhook events can be lost outside our control (HubSpot gives up after 24 h, a subscription is
      // paused): the scheduled read from the committed cursor is what catches them.
      expect(settings.crms.hubspot.enabled).toBe(false);
      expect(props(enabled, 'HttpApiRoutePostWebhooksHubspot').RouteKey).toBe('POST /webhooks/hubspot');
      const rules = ofType(enabled, 'AWS::Events::Rule').filter(([, r]) =>
        JSON.stringify(r.Properties.Targets).includes('SyncHubspotLambdaFunction'),
      );
      expect(rules).toHaveLength(1);
      expect(rules[0]![1].Properties).toMatchObject({
        State: 'ENABLED',
        ScheduleExpression: 'rate(5 minutes)',
      });
      // The sync's queue and the webhook's are two, both drained by the HubSpot worker.
      const drained = ofType(enabled, 'AWS::Lambda::EventSourceMapping')
        .filter(([, r]) => JSON.stringify(r.Properties.FunctionName).includes('WorkerHubspotLambdaFunction'))
        .map(([, r]) => (r.Properties as Json).EventSourceArn['Fn::GetAtt'][0]);
      const sendsTo = (fn: string) =>
        props(enabled, `${fn}LambdaFunction`).Environment.Variables.TOSSUP_QUEUE_URL.Ref;
      expect([sendsTo('SyncHubspot'), sendsTo('WebhookHubspot')]).toEqual([
        'LeadsQueueHubspot',
        'EventsQueueHubspot',
      ]);
      expect(drained.sort()).toEqual(['EventsQueueHubspot', 'LeadsQueueHubspot']);
    });

    it("the webhook sends its refreshes to HubSpot's events queue, not the sync's leads queue", () => {
      expect(props(shipped, 'WebhookHubspotLambdaFunction').Environment.Variables.TOSSUP_QUEUE_URL).toEqual({
        Ref: 'EventsQueueHubspot',
      });
    });

    it('the webhook is a POST route of a throttled HTTP API', () => {
      expect(props(shipped, 'HttpApiRoutePostWebhooksHubspot').RouteKey).toBe('POST /webhooks/hubspot');
      expect(props(shipped, 'HttpApiIntegrationWebhookHubspot').PayloadFormatVersion).toBe('2.0');
      expect(props(shipped, 'HttpApiStage').DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      });
      // Our own app's id (settings `webhook.appId`): its writes are not acted on (no echo).
      expect(props(shipped, 'WebhookHubspotLambdaFunction').Environment.Variables).toHaveProperty(
        'TOSSUP_HUBSPOT_APP_ID',
        settings.webhook.appId ?? '',
      );
    });

    it('the state table keeps items by pk/sk, expires them by `ttl`, and survives a stack removal', () => {
      const table = res(shipped, 'StateTable') as Template['Resources'][string] & { DeletionPolicy?: string };
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('the state table indexes episodes due for a check by hour (the same index the DynamoDB store queries)', () => {
      expect(props(shipped, 'StateTable').GlobalSecondaryIndexes).toEqual([
        {
          IndexName: DUE_INDEX,
          KeySchema: [
            { AttributeName: 'dueBucket', KeyType: 'HASH' },
            { AttributeName: 'dueAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]);
      expect(props(shipped, 'StateTable').AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'dueBucket', AttributeType: 'S' },
          { AttributeName: 'dueAt', AttributeType: 'S' },
        ]),
      );
    });

    it('alarm e-mail is subscribed only when one is configured', () => {
      expect(JSON.stringify(shipped.Conditions)).toContain('"Fn::Equals":["",""]');
      expect(props(enabled, 'AlarmEmailSubscription').Endpoint).toBe('revops@example.co.jp');
    });
  });

  describe('least-privilege IAM', () => {
    const roles = () => ofType(shipped, 'AWS::IAM::Role');
    const statements = (role: Template['Resources'][string]) =>
      (
        role.Properties.Policies as {
          PolicyDocument: {
            Statement: { Effect: string; Action: string | string[]; Resource: unknown; Sid?: string }[];
          };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);

    it('gives each function a role of its own and creates no shared default role', () => {
      expect(shipped.Resources.IamRoleLambdaExecution).toBeUndefined();
      const used = FUNCTIONS.map((fn) => JSON.stringify(props(shipped, `${fn}LambdaFunction`).Role));
      expect(new Set(used).size).toBe(FUNCTIONS.length);
      // Besides the CRM functions' roles: the weekly report's, and the one Firehose assumes to deliver
      // the ledger (infra/ledger.yml).
      expect(
        roles()
          .map(([id]) => id)
          .filter((id) => !FUNCTIONS.includes(id.replace(/Role$/, ''))),
      ).toEqual(['WeeklyReportRole', 'LedgerFirehoseRole']);
      expect(roles()).toHaveLength(FUNCTIONS.length + 2);
    });

    it('allows no wildcard action and no `*` resource; secrets only by their exact name', () => {
      for (const [id, role] of roles()) {
        for (const s of statements(role)) {
          expect(s.Effect, id).toBe('Allow');
          for (const action of [s.Action].flat())
            expect(action, `${id} ${s.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
          const resources = JSON.stringify(s.Resource);
          expect(resources, `${id} ${s.Sid}`).not.toMatch(/"\*"|:\*"/);
          if (resources.includes('secretsmanager')) {
            expect(resources).toMatch(/:secret:tossup\/test\/[a-z-]+-\?\?\?\?\?\?"/);
          }
        }
      }
    });

    it('lets each function write only its own log group and read only its own CRM secret', () => {
      for (const fn of FUNCTIONS) {
        const role = res(shipped, `${fn}Role`);
        const logs = statements(role).find((s) => [s.Action].flat().includes('logs:PutLogEvents'));
        expect(logs?.Resource).toEqual({ 'Fn::GetAtt': [`${fn}LogGroup`, 'Arn'] });
        const secret = JSON.stringify(
          statements(role).find((s) => s.Action === 'secretsmanager:GetSecretValue')?.Resource,
        );
        const expected =
          fn === 'WebhookHubspot' ? 'hubspot-webhook' : fn.endsWith('Salesforce') ? 'salesforce' : 'hubspot';
        expect(secret).toContain(`tossup/test/${expected}-??????`);
        // Only the sweep sends chat notifications, so only it may read the chat secret.
        expect(secret.includes('tossup/test/chat-??????'), fn).toBe(fn.startsWith('Sweep'));
      }
    });

    it('limits each role to the state-table item kinds its function uses', () => {
      const keys = (fn: string) =>
        statements(res(shipped, `${fn}Role`))
          .filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')))
          .map(
            (s) =>
              (s as unknown as { Condition: Record<string, Record<string, string[]>> }).Condition[
                'ForAllValues:StringLike'
              ]!['dynamodb:LeadingKeys'],
          );
      expect(keys('WebhookHubspot')).toEqual([['hook|*']]);
      expect(keys('WorkerHubspot').flat()).not.toContain('cursor|*');
      expect(keys('WorkerHubspot').flat()).toContain('lead|*');
      expect(keys('SyncSalesforce').flat()).not.toContain('lead|*');
      // The run lease: taken with a conditional put, renewed and released with updates, read on refusal.
      // (The dry run's read of episodes is the one statement without it.)
      for (const fn of ['SyncSalesforce', 'SyncHubspot']) {
        const isEpisodes = (k: string[] | undefined) => k?.includes('episode|*') ?? false;
        expect(keys(fn).filter(isEpisodes)).toEqual([['episode|*']]);
        expect(
          keys(fn)
            .filter((k) => !isEpisodes(k))
            .every((k) => k?.includes('lease|sync|*')),
        ).toBe(true);
      }
      // Workers record toss-up episodes, may create the index floor and queue toss-up notices;
      // nothing else of the sweep's.
      for (const fn of ['WorkerSalesforce', 'WorkerHubspot']) {
        expect(keys(fn).flat()).toEqual(expect.arrayContaining(['episode|*', 'epdue|floor', 'notify|*']));
        expect(keys(fn).flat()).not.toContain('epdue|*');
      }
    });

    it('gives the worker what its event source needs on its own queue, and the senders only SendMessage', () => {
      const sqs = (fn: string) =>
        statements(res(shipped, `${fn}Role`)).filter((s) =>
          [s.Action].flat().some((a) => a.startsWith('sqs:')),
        );
      expect(sqs('WorkerHubspot')).toEqual([
        expect.objectContaining({
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ChangeMessageVisibility',
          ],
          Resource: [
            { 'Fn::GetAtt': ['LeadsQueueHubspot', 'Arn'] },
            { 'Fn::GetAtt': ['EventsQueueHubspot', 'Arn'] },
          ],
        }),
      ]);
      // Each sender to the one queue it feeds: the sync's packs and the webhook's refreshes apart.
      for (const [fn, queue] of [
        ['SyncHubspot', 'LeadsQueueHubspot'],
        ['WebhookHubspot', 'EventsQueueHubspot'],
      ]) {
        expect(sqs(fn!)).toEqual([
          expect.objectContaining({
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
          }),
        ]);
      }
    });
  });

  describe('IAM, evaluated: each role is refused what other functions use (D18)', () => {
    /** What each function may do; everything else asked below must be refused. */
    const OWN: Record<
      string,
      {
        secret: string | string[];
        /** The queues it may use, each with the `sqs` actions. */
        queues: string[];
        sqs: string[];
        ddb: Record<string, string[]>;
        dueIndex?: boolean;
      }
    > = {
      SyncSalesforce: {
        secret: 'salesforce',
        queues: ['LeadsQueueSalesforce'],
        sqs: ['SendMessage'],
        ddb: {
          PutItem: ['cursor', 'lease', 'skip'],
          UpdateItem: ['cursor', 'lease', 'skip'],
          GetItem: ['cursor', 'lease', 'skip', 'count', 'done', 'route', 'daily'],
          // A dry run reads the open episodes of its leads (one batched read), and writes none.
          BatchGetItem: ['episode'],
        },
      },
      WorkerSalesforce: {
        secret: 'salesforce',
        // Both of its event source mappings: the sync's leads and the change events.
        queues: ['LeadsQueueSalesforce', 'EventsQueueSalesforce'],
        sqs: ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes', 'ChangeMessageVisibility'],
        ddb: {
          ...Object.fromEntries(
            ['GetItem', 'PutItem', 'UpdateItem'].map((a) => [
              a,
              ['done', 'count', 'skip', 'route', 'daily', 'lead'],
            ]),
          ),
          // Toss-up episodes: read the batch's (batched or one), record a step (compare-and-set put).
          // Re-checks: read the batch's (the lead's item, or an earlier build's own item, which
          // goes), written with the claim; the index floor once.
          // Toss-up notices: read and create an outbox entry (never update, list or send one).
          GetItem: ['done', 'count', 'skip', 'route', 'daily', 'lead', 'episode', 'notify'],
          PutItem: [
            'done',
            'count',
            'skip',
            'route',
            'daily',
            'lead',
            'episode',
            'eproster',
            'recheckdue',
            'rkroster',
            'notify',
          ],
          BatchGetItem: ['episode', 'lead', 'recheck'],
          DeleteItem: ['recheck'],
        },
      },
      WebhookHubspot: {
        secret: 'hubspot-webhook',
        queues: ['EventsQueueHubspot'],
        sqs: ['SendMessage'],
        ddb: { BatchGetItem: ['hook'], PutItem: ['hook'] },
      },
    };
    OWN.SyncHubspot = { ...OWN.SyncSalesforce!, secret: 'hubspot', queues: ['LeadsQueueHubspot'] };
    OWN.WorkerHubspot = {
      ...OWN.WorkerSalesforce!,
      secret: 'hubspot',
      queues: ['LeadsQueueHubspot', 'EventsQueueHubspot'],
    };
    // The sweep: episodes, the outbox, capacity slots, and for re-checks what a worker's decision
    // writes and the leads' re-check records (an update of the lead's item, never a read or a put of
    // its version claim); no queue, no other run's lease, no cursor but the opportunity phase's own
    // (and, on Salesforce, a read of the sync's).
    const sweepItems = [
      'episode',
      'epdue',
      'notify',
      'route',
      'daily',
      'done',
      'count',
      'skip',
      'recheckdue',
    ];
    // The opportunity phase: one outcome per opportunity and lead (its cursor is checked below).
    // Rosters (`eproster`, `rkroster`): put, read in batches, removed; never read one by one or updated.
    const sweepDdb = {
      GetItem: [...sweepItems, 'outcomes'],
      PutItem: [...sweepItems, 'eproster', 'rkroster', 'outcomes'],
      UpdateItem: [...sweepItems, 'lead'],
      BatchGetItem: ['episode', 'eproster', 'notify', 'lead', 'recheck', 'rkroster'],
      DeleteItem: ['recheck', 'eproster', 'rkroster'],
    };
    OWN.SweepHubspot = {
      secret: ['hubspot', 'chat'],
      queues: [],
      sqs: [],
      ddb: sweepDdb,
      dueIndex: true,
    };
    // Salesforce's sweep also reads the sync's cursor: its lead writes are guarded from it (no echo).
    OWN.SweepSalesforce = {
      ...OWN.SweepHubspot,
      secret: ['salesforce', 'chat'],
      ddb: { ...sweepDdb, GetItem: [...sweepDdb.GetItem, 'cursor'] },
    };

    const SECRETS = ['salesforce', 'hubspot', 'hubspot-webhook', 'chat', 'other-app'];
    const QUEUES = ['Salesforce', 'Hubspot'].flatMap((C) => [
      `LeadsQueue${C}`,
      `LeadsDlq${C}`,
      `EventsQueue${C}`,
      `EventsDlq${C}`,
    ]);
    const SQS = [
      'SendMessage',
      'ReceiveMessage',
      'DeleteMessage',
      'ChangeMessageVisibility',
      'GetQueueAttributes',
      'PurgeQueue',
    ];
    const DDB = [
      'GetItem',
      'BatchGetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'BatchWriteItem',
    ];
    // Episodes (issue 13): the workers record them, a sync's dry run reads them, the sweep works on
    // them; `epdue|floor` below. Outbox entries (`notify|`): the workers create toss-up notices, the
    // sweep sends them.
    const KINDS = [
      'cursor',
      'skip',
      'count',
      'done',
      'route',
      'daily',
      'lead',
      'hook',
      'lease',
      'episode',
      'epdue',
      'eproster',
      'notify',
      'recheck',
      'recheckdue',
      'rkroster',
      'outcomes',
    ];

    /** Every request of the matrix, with whether the function's own needs cover it. */
    function matrix(fn: string): { req: IamRequest; expected: boolean }[] {
      const own = OWN[fn]!;
      const out: { req: IamRequest; expected: boolean }[] = [];
      for (const name of SECRETS) {
        for (const resource of [secretArn(`tossup/test/${name}`), secretArn(`tossup/prod/${name}`)]) {
          out.push({
            req: { action: 'secretsmanager:GetSecretValue', resource },
            expected: [own.secret].flat().includes(name) && resource.includes('/test/'),
          });
        }
      }
      for (const queue of QUEUES) {
        for (const action of SQS) {
          out.push({
            req: { action: `sqs:${action}`, resource: arnOf(shipped, queue) },
            expected: own.queues.includes(queue) && own.sqs.includes(action),
          });
        }
      }
      const table = arnOf(shipped, 'StateTable');
      for (const action of DDB) {
        for (const kind of KINDS) {
          const leadingKeys = [`${kind}|sync|x`];
          out.push({
            req: { action: `dynamodb:${action}`, resource: table, leadingKeys },
            expected: own.ddb[action]?.includes(kind) ?? false,
          });
          out.push({
            req: {
              action: `dynamodb:${action}`,
              resource: `${table.replace(/StateTable$/, 'OtherTable')}`,
              leadingKeys,
            },
            expected: false,
          });
        }
      }
      // The due index (episodes, open outbox entries): only the sweep queries it, and never scans.
      for (const action of ['Query', 'Scan']) {
        out.push({
          req: { action: `dynamodb:${action}`, resource: `${table}/index/${DUE_INDEX}` },
          expected: action === 'Query' && own.dueIndex === true,
        });
      }
      // The index floor, the one `epdue|` item: created by the first indexed episode a worker writes,
      // moved up by the sweep.
      for (const action of DDB) {
        out.push({
          req: { action: `dynamodb:${action}`, resource: table, leadingKeys: ['epdue|floor'] },
          expected:
            (fn.startsWith('Worker') && action === 'PutItem') ||
            (fn.startsWith('Sweep') && ['GetItem', 'PutItem', 'UpdateItem'].includes(action)),
        });
      }
      // The opportunity phase's own cursor: the sweep reads, creates and moves it; a sync's role
      // covers its own cursors only (`cursor|sync|`, `cursor|accounts|`); no worker or webhook.
      for (const action of DDB) {
        out.push({
          req: {
            action: `dynamodb:${action}`,
            resource: table,
            leadingKeys: ['cursor|opportunities:salesforce:default'],
          },
          expected: fn.startsWith('Sweep') && ['GetItem', 'PutItem', 'UpdateItem'].includes(action),
        });
      }
      // Run leases: a sync holds `lease|sync|<crm>|<scope>`, the sweep `lease|sweep|<crm>|<scope>`.
      out.push({
        req: {
          action: 'dynamodb:PutItem',
          resource: table,
          leadingKeys: ['lease|sweep|salesforce|default'],
        },
        expected: fn.startsWith('Sweep'),
      });
      for (const other of FUNCTIONS) {
        out.push({
          req: {
            action: 'logs:PutLogEvents',
            resource: arnOf(shipped, `${other}LogGroup`).replace(/\*$/, 'log-stream:s'),
          },
          expected: other === fn,
        });
      }
      return out;
    }

    for (const fn of FUNCTIONS) {
      it(`${fn}: allowed exactly its own secret, queue actions, state item kinds and log group`, () => {
        const statements = roleStatements(shipped, `${fn}Role`);
        const wrong = matrix(fn)
          .filter(({ req, expected }) => allows(statements, req) !== expected)
          .map(
            ({ req, expected }) =>
              `${expected ? 'refused' : 'ALLOWED'} ${req.action} ${req.resource} ${req.leadingKeys ?? ''}`,
          );
        expect(wrong).toEqual([]);
      });
    }

    it('the evaluator refuses what no statement allows and allows what one does', () => {
      const statements = roleStatements(shipped, 'WebhookHubspotRole');
      const own = secretArn('tossup/test/hubspot-webhook');
      expect(allows(statements, { action: 'secretsmanager:GetSecretValue', resource: own })).toBe(true);
      expect(allows(statements, { action: 'secretsmanager:PutSecretValue', resource: own })).toBe(false);
      // A secret named like the webhook's with a longer suffix is another secret.
      const longer = secretArn('tossup/test/hubspot-webhook', 'AbC123-x');
      expect(allows(statements, { action: 'secretsmanager:GetSecretValue', resource: longer })).toBe(false);
      // One key outside the role's kinds makes the whole request refused (ForAllValues).
      const table = arnOf(shipped, 'StateTable');
      const put = (leadingKeys: string[]) =>
        allows(statements, { action: 'dynamodb:PutItem', resource: table, leadingKeys });
      expect(put(['hook|hubspot|1'])).toBe(true);
      expect(put(['hook|hubspot|1', 'cursor|sync|hubspot'])).toBe(false);
    });
  });

  describe('secrets in the packaged artefacts (D16)', () => {
    it('the bundles, their admin files and the packaged CloudFormation templates hold no secret', () => {
      const files = [
        ...filesUnder(join(work, 'dist', 'lambda')),
        ...filesUnder(join(work, '.serverless-shipped')),
        ...filesUnder(join(work, '.serverless-enabled')),
      ];
      expect(files.some((f) => f.endsWith('index.mjs'))).toBe(true);
      expect(files.some((f) => f.endsWith('cloudformation-template-update-stack.json'))).toBe(true);
      const scan = scanSecrets(files);
      expect(scan.output).toBe('');
      expect(scan.status).toBe(0);
    });
  });

  describe('the bundles', () => {
    it('carry the connector of their CRM (the weekly report, reading only the ledger, none)', () => {
      for (const f of build.functions.filter((x) => x.kind !== 'webhook' && x.kind !== 'report')) {
        expect(f.connector, f.name).toBe(existsSync(join(ROOT, 'connectors', f.crm, 'module.ts')));
      }
      expect(build.functions.find((f) => f.kind === 'report')?.connector).toBe(false);
    });

    it('zip each function with its admin files; the zip holds exactly the built files', () => {
      const worker = build.functions.find((f) => f.name === 'worker-hubspot')!;
      const entries = readZip(worker.zipFile);
      expect(Object.keys(entries).sort()).toEqual([
        'config/compiled.json',
        'config/mapping.yaml',
        'config/notifications.yaml',
        'config/options.json',
        'config/routing.yaml',
        'config/rules.yaml',
        'config/sla.yaml',
        'index.mjs',
      ]);
      expect(entries['index.mjs']!.equals(readFileSync(worker.bundleFile))).toBe(true);
      const webhook = build.functions.find((f) => f.name === 'webhook-hubspot')!;
      expect(Object.keys(readZip(webhook.zipFile))).toEqual(['index.mjs']);
    });

    it('the built worker initialises in a fresh Node process with no network, from its bundled config', () => {
      const worker = build.functions.find((f) => f.name === 'worker-salesforce')!;
      const r = initBundle(worker.bundleFile, {});
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('function');
    });

    it('every function initialises in a fresh Node process with no network', () => {
      for (const f of build.functions) {
        const r = initBundle(
          f.bundleFile,
          f.kind === 'report'
            ? {
                TOSSUP_LEDGER_BUCKET: 'tossup-test-ledgerbucket',
                TOSSUP_LEDGER_DATABASE: 'tossup_test_ledger',
                TOSSUP_LEDGER_WORKGROUP: 'tossup-test-ledger',
                TOSSUP_CHAT_SECRET_ID: 'tossup/test/chat',
              }
            : {
                TOSSUP_CRM: f.crm,
                TOSSUP_SECRET_ID: `tossup/test/${f.kind === 'webhook' ? 'hubspot-webhook' : f.crm}`,
              },
        );
        expect(r.stderr, f.name).toBe('');
        expect(r.stdout.trim(), f.name).toBe('function');
      }
    });

    it('carry what their function runs, not the rest of their dependencies (scripts/trim-*.ts)', () => {
      /** The files with code in the bundle (esbuild's metafile lists shaken-out files too). */
      const contents = (name: string) => {
        const f = build.functions.find((x) => x.name === name)!;
        const meta = JSON.parse(readFileSync(f.metafileFile!, 'utf8')) as {
          outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
        };
        const [output] = Object.values(meta.outputs);
        return Object.entries(output!.inputs)
          .filter(([, i]) => i.bytesInOutput > 0)
          .map(([file]) => file)
          .join('\n');
      };
      for (const name of [
        'worker-salesforce',
        'sync-salesforce',
        'sweep-salesforce',
        'worker-hubspot',
        'webhook-hubspot',
      ]) {
        const files = contents(name);
        expect(files, name).not.toMatch(/zod\/v4\/locales\/(?!en\.js)/);
        expect(files, name).not.toMatch(/json-rules-engine|@aws-sdk\//);
      }
      const salesforce = contents('worker-salesforce');
      expect(salesforce).toContain('jsforce/lib/connection.js');
      expect(salesforce).not.toMatch(/jsforce\/lib\/api\/|undici\/index\.js|undici\/lib\/(milo|mock)\//);
      expect(salesforce).not.toMatch(/@hubspot/);
      const hubspot = contents('worker-hubspot');
      expect(hubspot).not.toMatch(/discovery\/cms\/|jsforce/);
      // The weekly report reads the ledger through Athena: no connector, no embedded DuckDB.
      expect(contents('report')).not.toMatch(/@duckdb|connectors\/|jsforce|@hubspot/);
      expect(contents('report')).toMatch(/src\/aws\/athena-ledger-reader\.ts/);
      // The webhook checks a signature and enqueues: no admin files, rules, routing or connector.
      const webhook = contents('webhook-hubspot');
      expect(webhook).not.toMatch(
        /node_modules\/yaml\/|holiday_jp|src\/scoring\/|src\/routing\/|connectors\//,
      );
    });

    it('a broken bundled rule file fails the function at initialisation with the file and line', () => {
      const worker = build.functions.find((f) => f.name === 'worker-salesforce')!;
      const dir = join(work, 'broken-config');
      cpSync(join(worker.bundleFile, '..', 'config'), dir, { recursive: true });
      rmSync(join(dir, 'compiled.json'));
      writeFileSync(
        join(dir, 'rules.yaml'),
        readFileSync(join(dir, 'rules.yaml'), 'utf8').replace(/flag: yes/, 'flag: maybe'),
      );
      const r = initBundle(worker.bundleFile, { TOSSUP_CONFIG_DIR: dir });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/ConfigError/);
      expect(r.stderr).toMatch(/mappings\/rules\/large\.yaml:\d+:\d+ rules\[\d+\]\.flag/);
    });
  });

  describe('the build refuses bad input (exit 1, every problem listed)', () => {
    it('a rule file with an error names the file, line and field', () => {
      const broken = join(work, 'broken-rules.yaml');
      writeFileSync(
        broken,
        readFileSync(join(ROOT, 'mappings', 'rules', 'small.yaml'), 'utf8').replace(
          /flag: yes/,
          'flag: maybe',
        ),
      );
      const s = structuredClone(settings);
      s.config.rules = broken;
      s.crms.salesforce.enabled = true;
      const r = runBuild(s);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/the Lambda build stopped/);
      expect(r.stderr).toContain(`broken-rules.yaml`);
      expect(r.stderr).toMatch(/:\d+:\d+ rules\[\d+\]\.flag/);
    });

    it('a broken file of a disabled CRM is a warning, not a failure (enable it to make it one)', () => {
      const broken = join(work, 'broken-mapping.yaml');
      writeFileSync(broken, 'version: 1\ncontact: [not, a, mapping]\n');
      const s = structuredClone(settings);
      s.crms.hubspot.mapping = broken;
      const disabled = runBuild(s, ['--only', 'sync-hubspot']);
      expect(disabled.status).toBe(0);
      expect(disabled.stderr).toMatch(/warning: hubspot is disabled, but: .*broken-mapping\.yaml/);
      s.crms.hubspot.enabled = true;
      const on = runBuild(s, ['--only', 'sync-hubspot']);
      expect(on.status).toBe(1);
      expect(on.stderr).toMatch(/broken-mapping\.yaml/);
    });

    it('a sweep enabled for a disabled CRM is refused, naming both settings', () => {
      const s = structuredClone(settings);
      s.crms.hubspot.sweep = { enabled: true, schedule: 'rate(5 minutes)' };
      const r = runBuild(s, ['--only', 'sweep-hubspot']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('crms.hubspot.sweep.enabled is true but crms.hubspot.enabled is false');
    });

    it('a broken notifications.yaml fails the build with file, line and field', () => {
      const broken = join(work, 'broken-notifications.yaml');
      writeFileSync(broken, 'version: 1\nlanguage: jp\n');
      const s = structuredClone(settings);
      s.config.notifications = broken;
      s.crms.salesforce.enabled = true;
      const r = runBuild(s, ['--only', 'sweep-salesforce']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/broken-notifications\.yaml:2:\d+ language/);
    });

    it('a metric name no function counts is refused, listing the valid ones; a file without `metrics` gets the default list', () => {
      const s = structuredClone(settings);
      s.metrics.published = ['written', 'writen'];
      const r = runBuild(s, ['--only', 'sync-hubspot']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `metrics.published.1: "writen" is not a count of the functions' metrics lines; one of: ${COUNT_NAMES.join(', ')}`,
      );
      const { metrics: _metrics, ...older } = settings;
      const file = join(work, 'settings-without-metrics.yml');
      writeFileSync(file, toYaml(older));
      expect(loadDeploySettings(file).metrics).toEqual({ published: DEFAULT_PUBLISHED_METRICS });
    });

    it('settings that break the queue rules are refused before anything is built', () => {
      const s = structuredClone(settings);
      s.queue.visibilityTimeoutSeconds = 5 * s.worker.timeoutSeconds;
      s.queue.maxReceiveCount = 3;
      const r = runBuild(s);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /queue\.visibilityTimeoutSeconds .* must be at least 6 x worker\.timeoutSeconds/,
      );
      expect(r.stderr).toMatch(/queue\.maxReceiveCount \(3\) must be at least 5/);
    });

    it('a worker batch counted in leads, as before the packing (200 messages of 10 leads), is refused, naming the setting and the fix', () => {
      const s = structuredClone(settings);
      s.crms.salesforce.batchSize = 200;
      s.sync.leadsPerMessage = 10;
      const r = runBuild(s);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'crms.salesforce.batchSize (200 messages) x sync.leadsPerMessage (10) is 2000 leads of the sync a salesforce worker invocation, over 500: batchSize counts messages, not leads',
      );
      expect(r.stderr).not.toContain('hubspot worker invocation');
      // The old shipped worker.batchSize (100 leads), packed ten a message, is refused too.
      const old = structuredClone(settings);
      old.worker.batchSize = 100;
      old.sync.leadsPerMessage = 10;
      expect(invariantProblems(old)).toEqual([
        'worker.batchSize (100 messages) x sync.leadsPerMessage (10) is 1000 leads of the sync a hubspot worker invocation, over 500: batchSize counts messages, not leads; lower it (100 leads is one write call)',
      ]);
    });

    it("a CRM's own worker batch above 10 without a batching window is refused, naming that setting", () => {
      const s = structuredClone(settings);
      s.worker.batchSize = 10;
      s.worker.maximumBatchingWindowSeconds = 0;
      s.crms.hubspot.batchSize = 50;
      delete s.crms.salesforce.batchSize;
      const r = runBuild(s);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'worker.maximumBatchingWindowSeconds must be at least 1 when crms.hubspot.batchSize is above 10',
      );
      expect(r.stderr).not.toContain('when worker.batchSize');
    });

    it('an events batch over the leads an invocation may take is refused, naming the setting and the fix', () => {
      const s = structuredClone(settings);
      s.crms.salesforce.eventBatchSize = 1000;
      const r = runBuild(s);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'crms.salesforce.eventBatchSize (1000 messages) is at least 1000 leads of change events a salesforce worker invocation (one change a message), over 500: lower it (200 leads is one write call)',
      );
      // The shared setting is named when the CRM has none of its own.
      const shared = structuredClone(settings);
      shared.worker.eventBatchSize = 600;
      delete shared.crms.salesforce.eventBatchSize;
      expect(invariantProblems(shared)).toEqual(
        ['salesforce', 'hubspot'].map(
          (crm) =>
            `worker.eventBatchSize (600 messages) is at least 600 leads of change events a ${crm} worker invocation (one change a message), over 500: lower it (${crm === 'salesforce' ? 200 : 100} leads is one write call)`,
        ),
      );
    });

    it('a reserved concurrency below both mappings’ maximum concurrency is refused, naming the sum', () => {
      const s = structuredClone(settings);
      s.crms.hubspot.reservedConcurrency = s.crms.hubspot.maximumConcurrency;
      const r = runBuild(s);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `crms.hubspot.reservedConcurrency (3) is below crms.hubspot.maximumConcurrency (3) + crms.hubspot.eventMaximumConcurrency (2): Lambda would throttle the worker's queue pollers; set it to at least 5`,
      );
      expect(r.stderr).not.toContain('crms.salesforce.reservedConcurrency');
    });
  });
});

function runBuild(s: DeploySettings, args: string[] = []) {
  const file = join(work, `settings-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, toYaml(s));
  const out = join(work, 'unused-out');
  mkdirSync(out, { recursive: true });
  return spawnSync(
    process.execPath,
    [join(ROOT, 'scripts', 'build-lambdas.ts'), '--settings', file, '--out', out, ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
}

/** Imports a bundle in a fresh process, as the Lambda runtime does at a cold start. */
function initBundle(bundle: string, env: Record<string, string>) {
  // Any connection attempted during initialisation fails the import.
  const script = [
    `import net from 'node:net';`,
    `net.Socket.prototype.connect = function () { throw new Error('network used during initialisation'); };`,
    `const m = await import(${JSON.stringify(bundle)});`,
    `process.stdout.write(typeof m.handler);`,
  ].join('\n');
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'ap-northeast-1',
      TOSSUP_CRM: 'salesforce',
      TOSSUP_STATE_TABLE: 'tossup-test-state',
      TOSSUP_QUEUE_URL: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/leads',
      TOSSUP_SECRET_ID: 'tossup/test/salesforce',
      ...env,
    },
  });
}

/** The files of a ZIP (central directory → local headers → inflate). */
function readZip(file: string): Record<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + size);
    out[name] = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}
