import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LeadSchema } from '../../src/domain/lead.ts';
import { parseCsvRecords } from '../../src/normalize/csv.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';

const doc = await readFile(new URL('../../docs/lead-model.md', import.meta.url), 'utf8');

function codeBlocks(language: string): string[] {
  return [...doc.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'gu'))].map((m) => m[1]!);
}

describe('docs/lead-model.md examples', () => {
  it('the JSON Lines example normalizes as the page says', () => {
    // Prepare
    const line = codeBlocks('json').find((block) => block.startsWith('{"id":"L-001"'));
    // Act
    const result = normalizeLead(JSON.parse(line!));
    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    LeadSchema.parse(result.lead);
    expect(result.lead).toMatchObject({
      company: { employees: 1200, revenueJpy: 1_000_000_000 },
      person: { titleRank: 'officer', emailDomain: 'sample.co.jp' },
      activities: [{ type: 'document_request', at: '2026-11-18T01:00:00.000Z' }],
      maBehaviourScore: 120,
      hearing: { budget: 'yes', decisionMaker: 'yes', decisionInvolved: 'unknown', timelineMonths: 3 },
      dataIssues: [],
    });
  });

  it('the CSV example gives a heard L-1 and a not-heard L-2', async () => {
    // Prepare
    const lines = codeBlocks('csv')[0]!.trimEnd().split('\n');
    // Act
    const leads = [];
    for await (const row of parseCsvRecords(lines)) {
      expect(row.ok).toBe(true);
      if (row.ok) leads.push(normalizeLead(row.record));
    }
    // Assess
    expect(leads).toMatchObject([
      { ok: true, lead: { id: 'L-1', hearing: { budget: 'yes', decisionMaker: 'unknown' }, dataIssues: [] } },
      { ok: true, lead: { id: 'L-2', hearing: null, company: { employees: 50 }, dataIssues: [] } },
    ]);
  });
});
