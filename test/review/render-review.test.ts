import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReview } from '../../src/review/build-review.ts';
import { renderReviewCsv } from '../../src/review/render-review-csv.ts';
import { renderReviewHtml } from '../../src/review/render-review-html.ts';
import { renderReviewMarkdown } from '../../src/review/render-review-markdown.ts';
import type { ReviewModel } from '../../src/review/review-model.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { localLedgerAt } from '../ledger/ledger-kit.ts';
import { AS_OF, OUTCOMES, PERIOD, RECORDS } from './review-fixture.ts';

let reader: DuckDbLedgerReader;
let model: ReviewModel;
beforeAll(async () => {
  const l = localLedgerAt();
  await l.ledger.append(RECORDS);
  reader = await DuckDbLedgerReader.open(l.stateDir);
  model = await buildReview(reader, PERIOD, {
    asOf: AS_OF,
    outcomes: OUTCOMES,
    thresholds: { attribute: 60, behaviour: 40 },
  });
});
afterAll(() => reader?.close());

describe('the review as HTML', () => {
  it('is one self-contained page: no script, no external URL', () => {
    for (const locale of ['ja', 'en'] as const) {
      const html = renderReviewHtml(model, locale);
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).not.toMatch(/<script|<link|\ssrc=|url\(/i);
      // The only URL is the SVG namespace, an identifier the browser does not fetch.
      const urls = new Set(html.match(/https?:\/\/[^"\s)<]+/g) ?? []);
      expect([...urls]).toEqual(['http://www.w3.org/2000/svg']);
    }
  });

  it('labels in the asked language; the month leads with the accuracy review', () => {
    const ja = renderReviewHtml(model, 'ja');
    const en = renderReviewHtml(model, 'en');
    expect(ja).toContain('月次 精度レビュー');
    expect(en).toContain('Monthly accuracy review');
    expect(en.indexOf('id="accuracy"')).toBeLessThan(en.indexOf('id="follow-up"'));
    expect(
      renderReviewHtml({ ...model, period: { ...model.period, kind: 'week' } }, 'en').indexOf(
        'id="follow-up"',
      ),
    ).toBeLessThan(en.indexOf('id="accuracy"'));
  });

  it('draws every cell of the grid and the rule set thresholds on it', () => {
    const html = renderReviewHtml(model, 'en');
    // 11 attribute bins × 11 behaviour bins (0–9 … 90–99, 100+).
    expect(html.match(/<g class="cell"/g)).toHaveLength(121);
    expect(html).toContain('data-attribute="60" data-behaviour="40" data-leads="4" data-opportunities="2"');
    expect(html).toMatch(/class="threshold threshold-attribute" data-value="60"/);
    expect(html).toMatch(/class="threshold threshold-behaviour" data-value="40"/);
  });

  it('campaign names come from the CRM: escaped in HTML, never a formula in CSV, no broken Markdown table', () => {
    const hostile = structuredClone(model);
    const row = hostile.accuracy.rates.byCampaign[0];
    if (!row) throw new Error('the fixture has campaigns');
    row.key = '<img src=x onerror=alert(1)>|=HYPERLINK("http://x")';
    const html = renderReviewHtml(hostile, 'en');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;|=HYPERLINK(&quot;http://x&quot;)');
    const other = structuredClone(hostile);
    const first = other.accuracy.rates.byCampaign[0];
    if (first) first.key = '=HYPERLINK("http://x")';
    // Quoted, with a leading ' so the spreadsheet shows the text instead of running it.
    expect(renderReviewCsv(other, 'en')).toContain('"\'=HYPERLINK(""http://x"")",2,2,1,1,1,0.5,0.5\r\n');
    const md = renderReviewMarkdown(hostile, 'en');
    expect(md).toContain('| &lt;img src=x onerror=alert(1)&gt;\\|=HYPERLINK("http://x") | 2 |');
    expect(md).not.toContain('<img');
  });
});
