import type { Locale } from '../reasons/messages.ts';
import { percent, REVIEW_LABELS } from './review-labels.ts';
import type { HeatMap } from './review-model.ts';
import { binLabel } from './review-tables.ts';

const CELL_W = 64;
const CELL_H = 34;
const LEFT = 70;
const TOP = 12;
const BOTTOM = 46;

/**
 * The attribute × behaviour grid as inline SVG: one cell per bin pair (attribute across, behaviour up),
 * shaded by opportunity rate, with its lead count and rate; the rule set's thresholds as dashed lines
 * at their score. Every bin of both axes is drawn, empty ones grey, so the grid keeps its shape.
 */
export function heatMapSvg(map: HeatMap, locale: Locale): string {
  const t = REVIEW_LABELS[locale];
  const xs = bins(map.attributeTop, map.binWidth);
  const ys = bins(map.behaviourTop, map.binWidth);
  const width = LEFT + xs.length * CELL_W + 10;
  const height = TOP + ys.length * CELL_H + BOTTOM;
  const byKey = new Map(map.cells.map((c) => [`${c.attribute}:${c.behaviour}`, c]));
  const maxRate = Math.max(0.0001, ...map.cells.map((c) => c.opportunityRate ?? 0));
  const x0 = (i: number) => LEFT + i * CELL_W;
  const y0 = (j: number) => TOP + (ys.length - 1 - j) * CELL_H;
  const parts: string[] = [];
  xs.forEach((a, i) => {
    ys.forEach((b, j) => {
      const c = byKey.get(`${a}:${b}`);
      const rate = c?.opportunityRate ?? null;
      const fill = c ? shade(rate === null ? 0 : rate / maxRate) : '#f1f1f1';
      const title = c
        ? `${t.attribute} ${binLabel(a, map.binWidth, map.attributeTop)}, ${t.behaviour} ${binLabel(b, map.binWidth, map.behaviourTop)}: ${t.leads} ${c.leads}, ${t.tossups} ${c.tossups}, ${t.opportunities} ${c.opportunities} (${percent(rate)})`
        : `${t.attribute} ${binLabel(a, map.binWidth, map.attributeTop)}, ${t.behaviour} ${binLabel(b, map.binWidth, map.behaviourTop)}: 0`;
      parts.push(
        `<g class="cell" data-attribute="${a}" data-behaviour="${b}" data-leads="${c?.leads ?? 0}" data-opportunities="${c?.opportunities ?? 0}"><title>${esc(title)}</title>` +
          `<rect x="${x0(i)}" y="${y0(j)}" width="${CELL_W - 2}" height="${CELL_H - 2}" fill="${fill}"/>` +
          (c
            ? `<text x="${x0(i) + CELL_W / 2 - 1}" y="${y0(j) + 14}" text-anchor="middle" class="n">${c.leads}</text>` +
              `<text x="${x0(i) + CELL_W / 2 - 1}" y="${y0(j) + 27}" text-anchor="middle" class="r">${percent(rate)}</text>`
            : '') +
          '</g>',
      );
    });
  });
  xs.forEach((a, i) => {
    parts.push(
      `<text x="${x0(i) + CELL_W / 2}" y="${TOP + ys.length * CELL_H + 14}" text-anchor="middle" class="axis">${binLabel(a, map.binWidth, map.attributeTop)}</text>`,
    );
  });
  ys.forEach((b, j) => {
    parts.push(
      `<text x="${LEFT - 6}" y="${y0(j) + CELL_H / 2 + 4}" text-anchor="end" class="axis">${binLabel(b, map.binWidth, map.behaviourTop)}</text>`,
    );
  });
  parts.push(
    `<text x="${LEFT + (xs.length * CELL_W) / 2}" y="${height - 8}" text-anchor="middle" class="axis-title">${esc(t.attribute)} →</text>`,
    `<text x="12" y="${TOP + (ys.length * CELL_H) / 2}" text-anchor="middle" class="axis-title" transform="rotate(-90 12 ${TOP + (ys.length * CELL_H) / 2})">${esc(t.behaviour)} →</text>`,
  );
  const { attribute, behaviour } = map.thresholds;
  if (attribute !== null) {
    const x = LEFT + position(attribute, map.binWidth, map.attributeTop) * CELL_W;
    parts.push(
      `<line class="threshold threshold-attribute" data-value="${attribute}" x1="${x}" y1="${TOP - 4}" x2="${x}" y2="${TOP + ys.length * CELL_H}"/>`,
      `<text x="${x + 3}" y="${TOP + 6}" class="threshold-label">${esc(`${t.threshold} ${attribute}`)}</text>`,
    );
  }
  if (behaviour !== null) {
    const y = TOP + (ys.length - position(behaviour, map.binWidth, map.behaviourTop)) * CELL_H;
    parts.push(
      `<line class="threshold threshold-behaviour" data-value="${behaviour}" x1="${LEFT - 4}" y1="${y}" x2="${LEFT + xs.length * CELL_W}" y2="${y}"/>`,
      `<text x="${LEFT + xs.length * CELL_W - 4}" y="${y - 4}" text-anchor="end" class="threshold-label">${esc(`${t.threshold} ${behaviour}`)}</text>`,
    );
  }
  return `<svg class="heat-map" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(t.heatMap)}">${parts.join('')}</svg>`;
}

function bins(top: number, width: number): number[] {
  const out: number[] = [];
  for (let v = 0; v <= top; v += width) out.push(v);
  return out;
}

/** Where a score falls on an axis, in cells (the top bin is one cell wide, whatever it holds). */
function position(score: number, width: number, top: number): number {
  if (score >= top) return top / width;
  return score / width;
}

/** White to green by a share of the highest rate. */
function shade(share: number): string {
  const s = Math.max(0, Math.min(1, share));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * s);
  return `rgb(${mix(247, 27)},${mix(252, 120)},${mix(245, 55)})`;
}

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
