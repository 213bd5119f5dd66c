import type { z } from 'zod';
import type { Clock } from './clock.ts';
import type { CrmConnector } from './crm-connector.ts';

/** The CRMs a connector module exists for (a lead file is no CRM: `tossup score` needs none). */
export type SyncCrm = 'salesforce' | 'hubspot';

export interface ConnectContext {
  clock: Clock;
  /** Sync runs that only plan still build the connector (to read); connectors may skip write setup. */
  dryRun: boolean;
  /** A directory the connector may keep caches in between runs (the state directory); none = no cache. */
  cacheDir?: string;
}

/**
 * One setting of a CRM. Its key is the same in a CLI profile (`profiles.<name>.<crm>.<key>`), in the
 * Lambda secret's JSON and in the schema; `env` is the environment variable that sets it.
 */
export interface CrmSettingField {
  env: string;
  /** What to give when it is missing or wrong (shown after "give"); never a value. */
  fix: string;
  /** A credential: its presence makes a profile file "hold secrets". */
  secret?: boolean;
}

/** A schema check or setup, reported in the CRM's words; `ok` false = something for the admin to fix. */
export interface CrmAdminReport {
  ok: boolean;
  report: string;
}

/** What `tossup validate --crm` and `tossup setup <crm>` do against a CRM; each call connects on its own. */
export interface CrmAdmin {
  /** Describes the org/portal and compares it with the mapping; every problem with its fix. */
  checkSchema(): Promise<CrmAdminReport>;
  /** Creates what the mapping needs in the CRM (idempotent); absent when the CRM is prepared offline. */
  setup?(): Promise<CrmAdminReport>;
}

export interface OfflineSetupOptions {
  mappingFile: string;
  outDir: string;
  locale: 'ja' | 'en';
  /** Also the change-event metadata (Salesforce: CDC channel, members, named credential, Event Relay). */
  realtime?: { awsAccountId: string; awsRegion: string };
}

/**
 * Everything the product knows about one CRM, behind one object (`connectors/<crm>/module.ts`).
 * Composition roots reach a CRM only through this port and the CRM registry; `S` is the output of
 * `settings.schema`, the ONE shape CLI profiles, environment variables and the Lambda secret parse into.
 */
export interface CrmModule<S = unknown> {
  readonly crm: SyncCrm;
  /** "Salesforce", "HubSpot": for messages. */
  readonly label: string;
  readonly settings: {
    /** Input keys are the keys of `fields` plus `mapping`; problems are worded to follow "<setting> ". */
    readonly schema: z.ZodType<S>;
    readonly fields: Readonly<Record<string, CrmSettingField>>;
    /** The environment variable naming the mapping file (a profile says `mapping:`). */
    readonly mappingEnv: string;
    /**
     * The complete ways to log in, each by the setting keys it needs: named to the admin when the
     * credentials are incomplete (a problem at the schema's root), by environment variable on the
     * CLI and by secret key in the Lambda.
     */
    readonly logins: readonly { name: string; keys: readonly string[] }[];
  };
  /** The mapping file the settings name, if any (otherwise the connector's default or the bundled one). */
  mappingFileOf(settings: S): string | undefined;
  /** The same settings naming another mapping file (the Lambda's bundled one). */
  withMappingFile(settings: S, mappingFile: string): S;
  /** How it logs in and where, without any secret: "https://login.salesforce.com (JWT)". */
  describe(settings: S): string;
  /** Checks a mapping file offline; throws `ConfigError` listing every problem. */
  checkMapping(text: string, file: string): void;
  /** Logs in (where the CRM needs it) and returns the connector the pipeline runs on. */
  connect(settings: S, context: ConnectContext): Promise<CrmConnector>;
  admin(settings: S): CrmAdmin;
  /** Preparation that needs no connection (Salesforce writes deployable metadata); the lines to print. */
  setupOffline?(options: OfflineSetupOptions): Promise<{ files: string[] }>;
}

/** Settings of one CRM, tagged with it: what `tossup sync` and the Lambda hand to `connect`. */
export interface CrmSettings {
  crm: SyncCrm;
  settings: unknown;
}
