import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// jsforce's own XML parser (a dependency of the SDK we ship): strict, so a malformed file throws.
import { parseStringPromise } from 'xml2js';
import { parseSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import {
  memberName,
  REALTIME_CHANNEL,
  RealtimeSetupError,
  setupSalesforceRealtime,
} from '../../../connectors/salesforce/realtime-setup.ts';
import { setupSalesforceCommand } from '../../../src/cli/commands/setup.ts';
import { mapping } from './sf-kit.ts';

// `tossup setup salesforce --realtime`: the Change Data Capture channel and its members, the named
// credential and the Event Relay, as deployable metadata (docs/deploy.md, "Near-real-time on Salesforce").

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const outDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tossup-sf-realtime-'));
  dirs.push(d);
  return d;
};
const NS = 'http://soap.sforce.com/2006/04/metadata';
// biome-ignore lint/suspicious/noExplicitAny: parsed XML, read by path in assertions
const xml = async (file: string): Promise<any> =>
  parseStringPromise(readFileSync(file, 'utf8'), { strict: true });
const fileOf = (files: string[], suffix: string) => {
  const f = files.find((x) => x.endsWith(suffix));
  if (!f) throw new Error(`no file ending ${suffix} in ${files.join(', ')}`);
  return f;
};

describe('setup salesforce --realtime', () => {
  it('writes valid metadata: a data channel, one member per object a rule reads, the credential and a stopped relay', async () => {
    const out = outDir();
    const result = setupSalesforceRealtime(mapping, {
      outDir: out,
      awsAccountId: '123456789012',
      awsRegion: 'ap-northeast-1',
    });

    expect(result.members).toEqual([
      'LeadChangeEvent',
      'ContactChangeEvent',
      'AccountChangeEvent',
      'OpportunityChangeEvent',
    ]);
    for (const file of result.files) await expect(xml(file), file).resolves.toBeTruthy();

    const channel = await xml(fileOf(result.files, `${REALTIME_CHANNEL}.platformEventChannel-meta.xml`));
    expect(channel.PlatformEventChannel.$.xmlns).toBe(NS);
    expect(channel.PlatformEventChannel.channelType).toEqual(['data']);

    const enriched: Record<string, string[]> = {};
    for (const event of result.members) {
      const m = await xml(fileOf(result.files, `/${memberName(event)}.platformEventChannelMember-meta.xml`));
      expect(m.PlatformEventChannelMember.eventChannel).toEqual([REALTIME_CHANNEL]);
      expect(m.PlatformEventChannelMember.selectedEntity).toEqual([event]);
      enriched[event] = (m.PlatformEventChannelMember.enrichedFields ?? []).map(
        (f: { name: string[] }) => f.name[0],
      );
    }
    // The worker re-reads people by id; an Opportunity event must say whose account it concerns.
    expect(enriched).toEqual({
      LeadChangeEvent: [],
      ContactChangeEvent: [],
      AccountChangeEvent: [],
      OpportunityChangeEvent: ['AccountId'],
    });

    const credential = await xml(fileOf(result.files, 'TossUp_AWS.namedCredential-meta.xml'));
    expect(credential.NamedCredential).toMatchObject({
      endpoint: ['arn:aws:AP-NORTHEAST-1:123456789012'],
      principalType: ['NamedUser'],
      protocol: ['NoAuthentication'],
    });

    const relay = await xml(fileOf(result.files, 'TossUp_Changes_Relay.eventRelay-meta.xml'));
    expect(relay.EventRelayConfig).toMatchObject({
      destinationResourceName: ['callout:TossUp_AWS'],
      eventChannel: [REALTIME_CHANNEL],
      state: ['STOP'],
    });
    expect(JSON.parse(relay.EventRelayConfig.relayOption[0])).toEqual({ ReplayRecovery: 'LATEST' });

    const pkg = await xml(fileOf(result.files, 'realtime-package.xml'));
    const types = Object.fromEntries(
      pkg.Package.types.map((t: { name: string[]; members: string[] }) => [t.name[0], t.members]),
    );
    expect(types).toEqual({
      EventRelayConfig: ['TossUp_Changes_Relay'],
      NamedCredential: ['TossUp_AWS'],
      PlatformEventChannel: [REALTIME_CHANNEL],
      PlatformEventChannelMember: result.members.map(memberName),
    });
  });

  it('subscribes exactly the change events the AWS rule lets through (infra/salesforce-relay.yml)', () => {
    const template = readFileSync('infra/salesforce-relay.yml', 'utf8');
    const block = /detail-type:\n((?:\s+- \w+\n)+)/.exec(template)?.[1] ?? '';
    const ruled = [...block.matchAll(/- (\w+)/g)].map((m) => m[1]);
    const { members } = setupSalesforceRealtime(mapping, {
      outDir: outDir(),
      awsAccountId: '123456789012',
      awsRegion: 'ap-northeast-1',
    });
    expect(ruled).toEqual(members);
  });

  it('leaves Opportunity out when the mapping does not read "previously lost"', () => {
    const text = readFileSync('mappings/salesforce.yaml', 'utf8');
    const without = text.replace(/\n {2}previouslyLost:\n(?: {4}.*\n)+/, '\n  previouslyLost: null\n');
    expect(without).not.toBe(text);
    const m = parseSalesforceMapping(without, 'salesforce.yaml');
    const { members } = setupSalesforceRealtime(m, {
      outDir: outDir(),
      awsAccountId: '123456789012',
      awsRegion: 'us-west-2',
    });
    expect(members).toEqual(['LeadChangeEvent', 'ContactChangeEvent', 'AccountChangeEvent']);
  });

  it('refuses an account id or region that is not one, and --realtime without an account (exit 2)', async () => {
    const bad = (awsAccountId: string, awsRegion: string) => () =>
      setupSalesforceRealtime(mapping, { outDir: outDir(), awsAccountId, awsRegion });
    expect(bad('12345', 'ap-northeast-1')).toThrow(RealtimeSetupError);
    expect(bad('123456789012', 'tokyo')).toThrow(/--aws-region must be an AWS region/);
    const code = await setupSalesforceCommand({
      out: outDir(),
      mapping: 'mappings/salesforce.yaml',
      locale: 'ja',
      realtime: true,
      awsRegion: 'ap-northeast-1',
    });
    expect(code).toBe(2);
  });
});
