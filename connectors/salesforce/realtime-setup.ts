import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHANGE_OBJECTS, type ChangeObject } from '../../src/changes/salesforce-change-event.ts';
import { salesforceChangeEventFields } from './change-event-fields.ts';
import type { SalesforceMapping } from './mapping.ts';

/**
 * `tossup setup salesforce --realtime`: the metadata of Salesforce Change Data Capture through Event
 * Relay to Amazon EventBridge (docs/deploy.md, "Near-real-time on Salesforce"), for an admin to deploy
 * with the Salesforce CLI or Workbench:
 *
 *   force-app/main/default/platformEventChannels/TossUp_Changes__chn.platformEventChannel-meta.xml
 *       a custom change-data channel (an event relay needs a channel of its own);
 *   force-app/main/default/platformEventChannelMembers/TossUp_Changes_chn_<Object>ChangeEvent.platformEventChannelMember-meta.xml
 *       one member per object whose changes can change a decision (Lead, Contact, Account, and
 *       Opportunity when the mapping reads "previously lost"), with the enriched fields the worker
 *       needs beyond the header: an Opportunity's AccountId (whose people are re-decided), sent even
 *       when it did not change;
 *   force-app/main/default/namedCredentials/TossUp_AWS.namedCredential-meta.xml
 *       the AWS account and region to relay to (`arn:aws:<REGION>:<account>`; no secret: Salesforce
 *       is an EventBridge partner and needs only these two);
 *   force-app/main/default/eventRelays/TossUp_Changes_Relay.eventRelay-meta.xml
 *       the relay, created stopped: start it once the partner event source is associated (deploy.md);
 *   realtime-package.xml
 *
 * People are re-read by id on every event (their values never come from the event), so Lead and
 * Contact members need no enriched field.
 */

export interface RealtimeSetupOptions {
  outDir: string;
  /** The AWS account (12 digits) that deploys the stack. */
  awsAccountId: string;
  /** Its region, e.g. ap-northeast-1. */
  awsRegion: string;
  apiVersion?: string;
}

export interface RealtimeSetupResult {
  files: string[];
  /** The change events subscribed, e.g. `LeadChangeEvent`. */
  members: string[];
}

export const REALTIME_CHANNEL = 'TossUp_Changes__chn';
export const REALTIME_NAMED_CREDENTIAL = 'TossUp_AWS';
export const REALTIME_RELAY = 'TossUp_Changes_Relay';

/** Fields sent with every change event of the object, changed or not: what the worker needs to act. */
const ENRICHED_FIELDS: Readonly<Record<ChangeObject, readonly string[]>> = {
  Lead: [],
  Contact: [],
  Account: [],
  Opportunity: ['AccountId'],
};

export class RealtimeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealtimeSetupError';
  }
}

export function setupSalesforceRealtime(
  mapping: SalesforceMapping,
  options: RealtimeSetupOptions,
): RealtimeSetupResult {
  if (!/^\d{12}$/.test(options.awsAccountId))
    throw new RealtimeSetupError(
      `--aws-account must be a 12-digit AWS account id, not "${options.awsAccountId}"`,
    );
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.awsRegion))
    throw new RealtimeSetupError(
      `--aws-region must be an AWS region such as ap-northeast-1, not "${options.awsRegion}"`,
    );
  const apiVersion = options.apiVersion ?? '62.0';
  const read = salesforceChangeEventFields(mapping);
  const objects = CHANGE_OBJECTS.filter((o) => read[o].size > 0);
  const files: string[] = [];
  const write = (rel: string, text: string) => {
    const path = join(options.outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    files.push(path);
  };
  const base = 'force-app/main/default';
  write(`${base}/platformEventChannels/${REALTIME_CHANNEL}.platformEventChannel-meta.xml`, channelXml());
  const members = objects.map((o) => `${o}ChangeEvent`);
  for (const [i, object] of objects.entries()) {
    write(
      `${base}/platformEventChannelMembers/${memberName(members[i]!)}.platformEventChannelMember-meta.xml`,
      memberXml(members[i]!, ENRICHED_FIELDS[object]),
    );
  }
  write(
    `${base}/namedCredentials/${REALTIME_NAMED_CREDENTIAL}.namedCredential-meta.xml`,
    namedCredentialXml(options.awsAccountId, options.awsRegion),
  );
  write(`${base}/eventRelays/${REALTIME_RELAY}.eventRelay-meta.xml`, relayXml());
  write('realtime-package.xml', packageXml(members, apiVersion));
  return { files, members };
}

/** `TossUp_Changes_chn_LeadChangeEvent`: the member's full name, as Salesforce names it. */
export function memberName(event: string): string {
  return `${REALTIME_CHANNEL.replace(/__chn$/, '_chn')}_${event}`;
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"';

function channelXml(): string {
  return [
    HEAD,
    `<PlatformEventChannel ${NS}>`,
    '    <channelType>data</channelType>',
    '    <label>TossUp Changes</label>',
    '</PlatformEventChannel>',
    '',
  ].join('\n');
}

function memberXml(event: string, enriched: readonly string[]): string {
  return [
    HEAD,
    `<PlatformEventChannelMember ${NS}>`,
    ...enriched.map((f) => `    <enrichedFields>\n        <name>${f}</name>\n    </enrichedFields>`),
    `    <eventChannel>${REALTIME_CHANNEL}</eventChannel>`,
    `    <selectedEntity>${event}</selectedEntity>`,
    '</PlatformEventChannelMember>',
    '',
  ].join('\n');
}

/**
 * A legacy named credential, as Event Relay takes it: the URL `arn:aws:<REGION>:<account>` with the
 * region in capitals (Salesforce's format; it is case-sensitive), named principal, no authentication.
 */
function namedCredentialXml(account: string, region: string): string {
  return [
    HEAD,
    `<NamedCredential ${NS}>`,
    '    <allowMergeFieldsInBody>false</allowMergeFieldsInBody>',
    '    <allowMergeFieldsInHeader>false</allowMergeFieldsInHeader>',
    `    <endpoint>arn:aws:${region.toUpperCase()}:${account}</endpoint>`,
    '    <generateAuthorizationHeader>true</generateAuthorizationHeader>',
    '    <label>TossUp AWS</label>',
    '    <principalType>NamedUser</principalType>',
    '    <protocol>NoAuthentication</protocol>',
    '</NamedCredential>',
    '',
  ].join('\n');
}

/**
 * Stopped until the partner event source is associated with the stack's bus. After an outage the
 * relay resumes from the newest event (LATEST): the scheduled incremental sync reads whatever changed
 * meanwhile, where EARLIEST would replay up to three days of events, each one a read by id.
 */
function relayXml(): string {
  return [
    HEAD,
    `<EventRelayConfig ${NS}>`,
    `    <destinationResourceName>callout:${REALTIME_NAMED_CREDENTIAL}</destinationResourceName>`,
    `    <eventChannel>${REALTIME_CHANNEL}</eventChannel>`,
    '    <label>TossUp Changes to AWS</label>',
    '    <relayOption>{"ReplayRecovery":"LATEST"}</relayOption>',
    '    <state>STOP</state>',
    '</EventRelayConfig>',
    '',
  ].join('\n');
}

function packageXml(members: readonly string[], apiVersion: string): string {
  const type = (name: string, list: readonly string[]) => [
    '    <types>',
    ...list.map((m) => `        <members>${m}</members>`),
    `        <name>${name}</name>`,
    '    </types>',
  ];
  return [
    HEAD,
    `<Package ${NS}>`,
    ...type('EventRelayConfig', [REALTIME_RELAY]),
    ...type('NamedCredential', [REALTIME_NAMED_CREDENTIAL]),
    ...type('PlatformEventChannel', [REALTIME_CHANNEL]),
    ...type('PlatformEventChannelMember', members.map(memberName)),
    `    <version>${apiVersion}</version>`,
    '</Package>',
    '',
  ].join('\n');
}
