import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { type ConfigIssue, formatConfigIssues } from '../../src/domain/errors.ts';
import type { World, WorldPerson } from './world.ts';
import { findWorldIssues, type WorldCollection } from './world-integrity.ts';
import type { WorldFrame } from './world-plan.ts';
import {
  WORLD_FILE_FORMAT,
  WORLD_FILE_VERSION,
  WorldCampaignSchema,
  WorldCompanySchema,
  WorldHeaderSchema,
  WorldPersonSchema,
  WorldQueueSchema,
  WorldRecordEnvelopeSchema,
  type WorldRecordType,
  WorldUserSchema,
} from './world-schema.ts';

/**
 * A world as JSON Lines, one record per line: `{"type":"person","data":{...}}`. The first line
 * is the header (`type: "world"`: format, version, seed, asOf), then users, queues, companies,
 * campaigns and people. Line-per-record keeps 1M-lead files streamable in both directions, and a
 * bad line can be reported by number. Emulators load these with `--data <file>`.
 */

/** A world file that cannot be used; `issues` says where (file, line, field) and why. */
export class WorldFileError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], more = 0) {
    super(formatConfigIssues(issues) + (more > 0 ? `\n... and ${more} more problem(s)` : ''));
    this.name = 'WorldFileError';
    this.issues = issues;
  }
}

const MAX_REPORTED_ISSUES = 20;
const WRITE_CHUNK_CHARS = 1 << 20;

function line(type: WorldRecordType, data: unknown): string {
  return `${JSON.stringify({ type, data })}\n`;
}

/**
 * Writes a world whose people come from any iterable (an array, or `generatePeople(plan)` to
 * stream a large world without holding it). Writes to a temporary file and renames, so a reader
 * never sees half a file.
 */
export async function writeWorldFile(
  path: string,
  frame: WorldFrame,
  people: Iterable<WorldPerson>,
): Promise<{ records: number }> {
  const temporary = `${path}.partial`;
  const out = createWriteStream(temporary, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  let buffer = '';
  let records = 0;
  const push = async (text: string) => {
    buffer += text;
    records++;
    if (buffer.length >= WRITE_CHUNK_CHARS) {
      const ok = out.write(buffer);
      buffer = '';
      if (!ok) await Promise.race([once(out, 'drain'), failed]);
    }
  };
  try {
    await push(
      line('world', {
        format: WORLD_FILE_FORMAT,
        version: WORLD_FILE_VERSION,
        seed: frame.seed,
        asOf: frame.asOf,
      }),
    );
    for (const user of frame.users) await push(line('user', user));
    for (const queue of frame.queues) await push(line('queue', queue));
    for (const company of frame.companies) await push(line('company', company));
    for (const campaign of frame.campaigns) await push(line('campaign', campaign));
    for (const person of people) await push(line('person', person));
    out.end(buffer);
    await Promise.race([once(out, 'finish'), failed]);
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return { records };
}

export function saveWorldFile(path: string, world: World): Promise<{ records: number }> {
  const { people, ...frame } = world;
  return writeWorldFile(path, frame, people);
}

const SCHEMAS: Readonly<Record<Exclude<WorldRecordType, 'world'>, z.ZodType>> = {
  user: WorldUserSchema,
  queue: WorldQueueSchema,
  company: WorldCompanySchema,
  campaign: WorldCampaignSchema,
  person: WorldPersonSchema,
};
const COLLECTION: Readonly<Record<Exclude<WorldRecordType, 'world'>, WorldCollection>> = {
  user: 'users',
  queue: 'queues',
  company: 'companies',
  campaign: 'campaigns',
  person: 'people',
};

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    '',
  );
}

/** Column of a JSON.parse failure, when the engine's message gives a position. */
function jsonErrorColumn(message: string): number {
  const match = /position (\d+)/.exec(message);
  return match ? Number(match[1]) + 1 : 1;
}

/**
 * Reads and validates a world file: every line against its record schema, then the cross-record
 * rules (unique keys and e-mails, references, nothing after asOf). Throws `WorldFileError` listing
 * up to 20 problems as `file:line:column path: message`.
 */
export async function loadWorldFile(path: string): Promise<World> {
  const issues: ConfigIssue[] = [];
  let more = 0;
  const report = (issue: ConfigIssue) => {
    if (issues.length < MAX_REPORTED_ISSUES) issues.push(issue);
    else more++;
  };

  let header: z.infer<typeof WorldHeaderSchema> | null = null;
  const world: World = { seed: 0, asOf: '', users: [], queues: [], companies: [], campaigns: [], people: [] };
  const lines: Record<WorldCollection, number[]> = {
    users: [],
    queues: [],
    companies: [],
    campaigns: [],
    people: [],
  };

  const input = createReadStream(path, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  try {
    for await (const text of reader) {
      lineNumber++;
      if (text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report({
          file: path,
          line: lineNumber,
          column: jsonErrorColumn(message),
          path: '',
          message: `not valid JSON: ${message}`,
        });
        continue;
      }
      const envelope = WorldRecordEnvelopeSchema.safeParse(parsed);
      if (!envelope.success) {
        for (const issue of envelope.error.issues) {
          report({
            file: path,
            line: lineNumber,
            column: 1,
            path: pathText(issue.path),
            message: issue.message,
            hint: 'each line is {"type": "world"|"user"|"queue"|"company"|"campaign"|"person", "data": {...}}',
          });
        }
        continue;
      }
      const { type, data } = envelope.data;
      if (type === 'world') {
        if (header !== null || lineNumber !== 1) {
          report({
            file: path,
            line: lineNumber,
            column: 1,
            path: 'type',
            message: 'the "world" header must be the first line, once',
          });
          continue;
        }
        const result = WorldHeaderSchema.safeParse(data);
        if (!result.success) {
          for (const issue of result.error.issues) {
            report({
              file: path,
              line: lineNumber,
              column: 1,
              path: `data.${pathText(issue.path)}`,
              message: issue.message,
            });
          }
          continue;
        }
        header = result.data;
        continue;
      }
      if (lineNumber === 1) {
        report({
          file: path,
          line: 1,
          column: 1,
          path: 'type',
          message: `expected the "world" header first, found "${type}"`,
          hint: `start the file with {"type":"world","data":{"format":"${WORLD_FILE_FORMAT}","version":${WORLD_FILE_VERSION},"seed":1,"asOf":"..."}}`,
        });
      }
      const result = SCHEMAS[type].safeParse(data);
      if (!result.success) {
        const key =
          typeof data === 'object' && data !== null && 'key' in data
            ? ` (${type} "${String(data.key)}")`
            : '';
        for (const issue of result.error.issues) {
          report({
            file: path,
            line: lineNumber,
            column: 1,
            path: `data.${pathText(issue.path)}`,
            message: `${issue.message}${key}`,
          });
        }
        continue;
      }
      const collection = COLLECTION[type];
      (world[collection] as unknown[]).push(result.data);
      lines[collection].push(lineNumber);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'file not found' : error instanceof Error ? error.message : String(error);
    throw new WorldFileError([
      {
        file: path,
        line: 0,
        column: 0,
        path: '',
        message,
        hint: 'create one with `npx node emulators/world/world-cli.ts generate --out <file>`',
      },
    ]);
  }

  if (header === null && lineNumber === 0) {
    report({ file: path, line: 0, column: 0, path: '', message: 'the file is empty' });
  }
  if (issues.length > 0) throw new WorldFileError(issues, more);
  if (header === null)
    throw new WorldFileError([
      { file: path, line: 1, column: 1, path: 'type', message: 'missing the "world" header line' },
    ]);

  world.seed = header.seed;
  world.asOf = header.asOf;
  for (const issue of findWorldIssues(world, MAX_REPORTED_ISSUES + 1)) {
    report({
      file: path,
      line: lines[issue.collection][issue.index] ?? 0,
      column: 1,
      path: `data.${issue.path}`,
      message: issue.message,
    });
  }
  if (issues.length > 0) throw new WorldFileError(issues, more);
  return world;
}
