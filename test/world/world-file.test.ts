import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePeople, generateWorld, planWorld } from '../../emulators/world/generate.ts';
import type { World } from '../../emulators/world/world.ts';
import {
  loadWorldFile,
  saveWorldFile,
  WorldFileError,
  writeWorldFile,
} from '../../emulators/world/world-file.ts';

const AS_OF = '2026-09-01T00:00:00.000Z';
let dir: string;
let world: World;
let savedPath: string;
let savedLines: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'world-file-'));
  world = generateWorld({ seed: 11, leads: 300, asOf: AS_OF });
  savedPath = join(dir, 'world.jsonl');
  await saveWorldFile(savedPath, world);
  savedLines = (await readFile(savedPath, 'utf8')).trimEnd().split('\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `lines` to a new file in the temp dir and returns its path. */
async function fileWith(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

async function loadError(path: string): Promise<WorldFileError> {
  const error = await loadWorldFile(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorldFileError);
  return error as WorldFileError;
}

function lineOf(type: string, key: string): number {
  const index = savedLines.findIndex((l) => l.startsWith(`{"type":"${type}","data":{"key":"${key}"`));
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

describe('world file: save and load', () => {
  it('round-trips a world exactly', async () => {
    const loaded = await loadWorldFile(savedPath);
    expect(loaded).toEqual(world);
    expect(JSON.stringify(loaded)).toBe(JSON.stringify(world));
  });

  it('writes one typed record per line, header first, people last', () => {
    expect(savedLines).toHaveLength(
      1 +
        world.users.length +
        world.queues.length +
        world.companies.length +
        world.campaigns.length +
        world.people.length,
    );
    expect(JSON.parse(savedLines[0] as string)).toEqual({
      type: 'world',
      data: { format: 'tossup-world', version: 1, seed: 11, asOf: AS_OF },
    });
    expect(JSON.parse(savedLines.at(-1) as string).type).toBe('person');
  });

  it('streams a world from a plan to the same bytes as saving it whole', async () => {
    const plan = planWorld({ seed: 11, leads: 300, asOf: AS_OF });
    const streamed = join(dir, 'streamed.jsonl');
    const { records } = await writeWorldFile(streamed, plan.frame, generatePeople(plan));
    expect(records).toBe(savedLines.length);
    expect(await readFile(streamed, 'utf8')).toBe(await readFile(savedPath, 'utf8'));
  });
});

describe('world file: errors name the file, line and field', () => {
  it('reports a wrongly typed field of a person', async () => {
    const lines = [...savedLines];
    const i = lineOf('person', 'p0000007');
    const record = JSON.parse(lines[i] as string);
    record.data.maScore = 'high';
    lines[i] = JSON.stringify(record);
    const path = await fileWith('bad-field.jsonl', lines);
    const error = await loadError(path);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ file: path, line: i + 1, path: 'data.maScore' });
    expect(error.message).toContain(`${path}:${i + 1}:1 data.maScore:`);
    expect(error.message).toContain('person "p0000007"');
  });

  it('reports a nested field by its path, and every bad line (not just the first)', async () => {
    const lines = [...savedLines];
    const first = lineOf('person', 'p0000003');
    const second = lineOf('company', 'c000002');
    const person = JSON.parse(lines[first] as string);
    person.data.activities = [{ type: 'fax', at: AS_OF }];
    lines[first] = JSON.stringify(person);
    const company = JSON.parse(lines[second] as string);
    company.data.emploees = 12;
    lines[second] = JSON.stringify(company);
    const error = await loadError(await fileWith('two-bad.jsonl', lines));
    const where = error.issues.map((issue) => `${issue.line} ${issue.path}`);
    expect(where).toContain(`${first + 1} data.activities[0].type`);
    expect(where.some((w) => w.startsWith(`${second + 1} data`))).toBe(true);
    expect(error.message).toMatch(/emploees/);
  });

  it('reports a line that is not JSON with its column', async () => {
    const lines = [...savedLines];
    lines[5] = '{"type":"user","data":{"key":"u099",}';
    const error = await loadError(await fileWith('not-json.jsonl', lines));
    expect(error.issues[0]).toMatchObject({ line: 6, path: '' });
    expect(error.issues[0]?.message).toMatch(/not valid JSON/);
    expect(error.issues[0]?.column).toBeGreaterThan(1);
  });

  it('reports an unknown record type and a missing header', async () => {
    const unknownType = await loadError(
      await fileWith('unknown-type.jsonl', [savedLines[0] as string, '{"type":"deal","data":{}}']),
    );
    expect(unknownType.issues[0]).toMatchObject({ line: 2, path: 'type' });
    const noHeader = await loadError(await fileWith('no-header.jsonl', savedLines.slice(1)));
    expect(noHeader.issues[0]).toMatchObject({ line: 1, path: 'type' });
    expect(noHeader.issues[0]?.hint).toMatch(/"type":"world"/);
  });

  it('reports references that do not resolve, at the line of the referring record', async () => {
    const lines = [...savedLines];
    const i = lineOf('person', 'p0000010');
    const record = JSON.parse(lines[i] as string);
    record.data.companyKey = 'c999999';
    lines[i] = JSON.stringify(record);
    const error = await loadError(await fileWith('dangling.jsonl', lines));
    expect(error.issues[0]).toMatchObject({ line: i + 1, path: 'data.companyKey' });
    expect(error.issues[0]?.message).toMatch(/unknown company "c999999"/);
  });

  it('reports a duplicate e-mail and an activity after asOf', async () => {
    const lines = [...savedLines];
    const a = lineOf('person', 'p0000001');
    const b = lineOf('person', 'p0000002');
    const first = JSON.parse(lines[a] as string);
    const second = JSON.parse(lines[b] as string);
    second.data.email = first.data.email.toUpperCase();
    second.data.activities = [{ type: 'page_view', at: '2026-09-02T00:00:00.000Z', page: 'pricing' }];
    lines[b] = JSON.stringify(second);
    const error = await loadError(await fileWith('dup-email.jsonl', lines));
    const where = error.issues.map((issue) => `${issue.line} ${issue.path}`);
    expect(where).toContain(`${b + 1} data.email`);
    expect(where).toContain(`${b + 1} data.activities[0].at`);
  });

  it('says plainly when the file does not exist or is empty', async () => {
    const missing = await loadError(join(dir, 'nope.jsonl'));
    expect(missing.message).toMatch(/nope\.jsonl.*file not found/);
    const empty = await loadError(await fileWith('empty.jsonl', []));
    expect(empty.message).toMatch(/empty\.jsonl/);
  });
});
