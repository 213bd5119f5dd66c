/**
 * The one length rule for text the connectors write to a CRM field, used by the planner (reasons
 * rendered to fit), the sinks (a last guard) and the hand-off note. Lengths are counted in UTF-16
 * code units: Salesforce counts a text field's length that way (an emoji is 2 of its 255), and for
 * HubSpot, whose unit is not documented, UTF-16 is never longer than the code-point count, so text
 * that fits here fits there too. Planner and sink applying the same function is what makes a
 * second run find the CRM's value equal to the planned one (crm-apis.md, BEHAVIOR.md §5).
 *
 * Cuts fall on grapheme boundaries (`Intl.Segmenter`): never inside a surrogate pair, never
 * between a letter and its combining mark or inside an emoji sequence.
 */

const ELLIPSIS = '…';
let segmenter: Intl.Segmenter | undefined;

function graphemes(text: string): Iterable<{ segment: string }> {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}

/** Length as the CRM counts it: UTF-16 code units. */
export function crmLength(text: string): number {
  return text.length;
}

/**
 * `text` unchanged when it fits in `max` UTF-16 units; otherwise the longest run of whole
 * graphemes that fits together with a trailing `…`. Idempotent: `fitText(fitText(t, n), n)` is
 * `fitText(t, n)`, so a planned value and the value the sink sends are the same string.
 */
export function fitText(text: string, max: number): string {
  if (crmLength(text) <= max) return text;
  const room = max - ELLIPSIS.length;
  let out = '';
  for (const { segment } of graphemes(text)) {
    if (out.length + segment.length > room) break;
    out += segment;
  }
  return `${out}${ELLIPSIS}`;
}

/** At most `max` user-perceived characters (graphemes), the last one `…` when cut. For free text in notes. */
export function cutGraphemes(text: string, max: number): string {
  const kept: string[] = [];
  for (const { segment } of graphemes(text)) {
    if (kept.length === max) return `${kept.slice(0, max - 1).join('')}${ELLIPSIS}`;
    kept.push(segment);
  }
  return text;
}
