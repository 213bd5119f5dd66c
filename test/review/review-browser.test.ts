import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReview } from '../../src/review/build-review.ts';
import { renderReviewHtml } from '../../src/review/render-review-html.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { localLedgerAt } from '../ledger/ledger-kit.ts';
import { BROWSER_TEST_MS, hasChromium, launchChromium } from '../support/chromium.ts';
import { AS_OF, OUTCOMES, PERIOD, RECORDS } from './review-fixture.ts';

/** The review page opened in real headless Chromium, offline: what a reader sees is drawn. */
let file: string;
let reader: DuckDbLedgerReader;
beforeAll(async () => {
  const l = localLedgerAt();
  await l.ledger.append(RECORDS);
  reader = await DuckDbLedgerReader.open(l.stateDir);
  const model = await buildReview(reader, PERIOD, {
    asOf: AS_OF,
    outcomes: OUTCOMES,
    thresholds: { attribute: 60, behaviour: 40 },
  });
  file = join(mkdtempSync(join(tmpdir(), 'tossup-review-html-')), 'review.html');
  writeFileSync(file, renderReviewHtml(model, 'ja'));
});
afterAll(() => reader?.close());

describe('review.html in a real browser', () => {
  it.skipIf(!hasChromium)(
    'draws the heat map cells and the thresholds where they belong, with no request and no error',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith('file:')) requests.push(r.url());
        });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`file://${file}`);

        expect(await page.locator('svg.heat-map g.cell').count()).toBe(121);
        const hot = page.locator('svg.heat-map g.cell[data-attribute="60"][data-behaviour="40"]');
        expect(await hot.locator('text').allTextContents()).toEqual(['4', '50%']);
        // A cell with leads is shaded; an empty one stays grey.
        const fill = (a: number, b: number) =>
          page
            .locator(`svg.heat-map g.cell[data-attribute="${a}"][data-behaviour="${b}"] rect`)
            .getAttribute('fill');
        expect(await fill(0, 0)).toBe('#f1f1f1');
        expect(await fill(60, 40)).not.toBe('#f1f1f1');

        // The attribute threshold (60) is the left edge of the 60–69 column, the behaviour one (40) the
        // lower edge of the 40–49 row (behaviour grows upwards).
        const box = async (selector: string) => {
          const b = await page.locator(selector).boundingBox();
          if (!b) throw new Error(`${selector} is not drawn`);
          return b;
        };
        const cell = await box('svg.heat-map g.cell[data-attribute="60"][data-behaviour="40"] rect');
        const attributeLine = await box('svg.heat-map line.threshold-attribute');
        const behaviourLine = await box('svg.heat-map line.threshold-behaviour');
        expect(Math.abs(attributeLine.x + attributeLine.width / 2 - cell.x)).toBeLessThan(2);
        expect(attributeLine.height).toBeGreaterThan(11 * cell.height);
        expect(
          Math.abs(behaviourLine.y + behaviourLine.height / 2 - (cell.y + cell.height + 2)),
        ).toBeLessThan(2);
        expect(behaviourLine.width).toBeGreaterThan(11 * cell.width);
        expect(await page.locator('svg.heat-map text.threshold-label').allTextContents()).toEqual([
          '基準 60',
          '基準 40',
        ]);

        // Tables render with their rate bars; the page is not blank.
        expect(await page.locator('table[data-table="rates_by_reason"] tbody tr').count()).toBe(2);
        expect(await page.locator('svg.bar').count()).toBeGreaterThan(10);
        const shot = await page.screenshot({ fullPage: true, path: join(file, '..', 'review.png') });
        expect(shot.byteLength).toBeGreaterThan(30_000);
        expect(requests).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
