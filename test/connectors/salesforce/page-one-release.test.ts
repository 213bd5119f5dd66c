import { describe, expect, it } from 'vitest';
import type { BulkPersonStream, ChangeEvent } from '../../../connectors/salesforce/change-streams.ts';
import { PersonChangeStream, type RestQuery } from '../../../connectors/salesforce/change-streams.ts';

// A stream whose rest goes to Bulk keeps page one's ids (to skip them in the Bulk rows) but lets go of
// page one's events once they are handed on: they held up to 2,000 rows with their responses for the
// whole run (3.2 MB of a 10,000-person backfill's heap at its peak).

const stamp = (i: number) => `2026-11-20T00:00:0${i}.000+0000`;
const row = (i: number) => ({ attributes: { type: 'Lead' }, Id: `00Q${i}`, SystemModstamp: stamp(i) });

function pageOne(ids: number[]): RestQuery {
  let read = false;
  return {
    totalSize: 5,
    get done() {
      return false;
    },
    async page() {
      if (read) throw new Error('page one read twice');
      read = true;
      return ids.map(row);
    },
  } as unknown as RestQuery;
}

function bulk(ids: number[]): BulkPersonStream {
  const events: ChangeEvent[] = ids.map((i) => ({
    ts: Date.parse(stamp(i).replace(/\+0000$/, 'Z')),
    cursorId: `00Q${i}`,
    object: 'Lead',
    row: row(i),
    responses: null,
  }));
  let at = 0;
  return {
    async peek() {
      return events[at] ?? null;
    },
    advance() {
      at++;
    },
  } as unknown as BulkPersonStream;
}

describe('a person stream continued in Bulk', () => {
  it('hands off page one, then the Bulk rows page one did not have, and holds no page-one event after it', async () => {
    const stream = new PersonChangeStream('Lead', pageOne([1, 2, 3]), false);
    expect(await stream.prime()).toBe(2);
    stream.continueWith(bulk([1, 2, 3, 4, 5]));
    const handed: string[] = [];
    for (let e = await stream.peek(); e; e = await stream.peek()) {
      handed.push(e.cursorId);
      stream.advance();
      if (handed.length > 10) break;
    }
    expect(handed).toEqual(['00Q1', '00Q2', '00Q3', '00Q4', '00Q5']);
    expect((stream as unknown as { buffer: unknown[] }).buffer).toEqual([]);
  });
});
