import type { ScaleRow } from './scale-table.ts';

/**
 * docs/scale-curve.svg: four small charts against the number of people (log scale) — sync peak
 * RSS, emulator peak RSS, state directory size, calls against the minimum (day and backfill) — one
 * line per CRM, so anything growing faster than the data shows as a steeper line.
 */
export function renderScaleChart(rows: readonly ScaleRow[]): string {
  const panels: { title: string; series: { name: string; color: string; points: [number, number][] }[] }[] = [
    { title: 'sync peak RSS (MB)', series: perCrm(rows, (r) => r.syncPeakRssMb) },
    { title: 'emulator peak RSS (MB)', series: perCrm(rows, (r) => r.emulatorPeakRssMb) },
    { title: 'state directory, ledger apart (MB)', series: perCrm(rows, (r) => r.stateMb) },
    {
      title: 'calls / minimum',
      series: [
        ...perCrm(rows, (r) => r.day.calls / r.day.minimum, ' day'),
        ...perCrm(rows, (r) => r.backfill.calls / r.backfill.minimum, ' backfill', true),
      ],
    },
  ];
  const W = 360;
  const H = 240;
  const pad = { l: 56, r: 12, t: 28, b: 40 };
  const sizes = [...new Set(rows.map((r) => r.leads))].sort((a, b) => a - b);
  const lx = (v: number) => Math.log10(v);
  const [x0, x1] = [lx(sizes[0] ?? 1) - 0.15, lx(sizes.at(-1) ?? 10) + 0.15];
  const parts: string[] = [];
  panels.forEach((p, i) => {
    const ox = (i % 2) * W;
    const oy = Math.floor(i / 2) * H;
    const ys = p.series.flatMap((s) => s.points.map(([, y]) => y));
    const yMax = niceMax(Math.max(...ys, 0));
    const yMin = p.title.startsWith('calls') ? Math.min(1, ...ys) : 0;
    const px = (v: number) => ox + pad.l + ((lx(v) - x0) / (x1 - x0)) * (W - pad.l - pad.r);
    const py = (v: number) => oy + H - pad.b - ((v - yMin) / (yMax - yMin || 1)) * (H - pad.t - pad.b);
    parts.push(
      `<text x="${ox + pad.l}" y="${oy + 18}" font-size="13" font-weight="bold">${esc(p.title)}</text>`,
    );
    parts.push(
      `<line x1="${ox + pad.l}" y1="${py(yMin)}" x2="${ox + W - pad.r}" y2="${py(yMin)}" stroke="#888"/>`,
      `<line x1="${ox + pad.l}" y1="${py(yMin)}" x2="${ox + pad.l}" y2="${py(yMax)}" stroke="#888"/>`,
    );
    for (const t of [yMin, (yMin + yMax) / 2, yMax])
      parts.push(
        `<text x="${ox + pad.l - 6}" y="${py(t) + 4}" font-size="11" text-anchor="end">${fmt(t)}</text>`,
        `<line x1="${ox + pad.l}" y1="${py(t)}" x2="${ox + W - pad.r}" y2="${py(t)}" stroke="#eee"/>`,
      );
    for (const s of sizes)
      parts.push(
        `<text x="${px(s)}" y="${oy + H - pad.b + 16}" font-size="11" text-anchor="middle">${label(s)}</text>`,
      );
    p.series.forEach((s, k) => {
      const d = s.points
        .map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.name.endsWith('backfill') ? ' stroke-dasharray="5,3"' : ''}/>`,
      );
      for (const [x, y] of s.points)
        parts.push(
          `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.name)} ${label(x)}: ${fmt(y)}</title></circle>`,
        );
      parts.push(
        `<text x="${ox + W - pad.r}" y="${oy + 34 + k * 13}" font-size="11" text-anchor="end" fill="${s.color}">${esc(s.name)}</text>`,
      );
    });
    parts.push(
      `<text x="${ox + W / 2}" y="${oy + H - 8}" font-size="11" text-anchor="middle">people (log scale)</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${2 * H}" viewBox="0 0 ${2 * W} ${2 * H}" font-family="sans-serif" role="img" aria-labelledby="scale-title">\n<title id="scale-title">Scale curve by number of people: sync and emulator peak memory, state directory size, calls against the minimum (HubSpot and Salesforce, day run and backfill)</title>\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}

const COLORS = { hubspot: '#ff7a59', salesforce: '#00a1e0' } as const;

function perCrm(
  rows: readonly ScaleRow[],
  value: (r: ScaleRow) => number,
  suffix = '',
  faded = false,
): { name: string; color: string; points: [number, number][] }[] {
  return (['hubspot', 'salesforce'] as const)
    .map((crm) => ({
      name: `${crm}${suffix}`,
      color: faded ? `${COLORS[crm]}99` : COLORS[crm],
      points: rows
        .filter((r) => r.crm === crm)
        .sort((a, b) => a.leads - b.leads)
        .map((r): [number, number] => [r.leads, value(r)]),
    }))
    .filter((s) => s.points.length > 0);
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil((v * 1.1) / p) * p;
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
const fmt = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
