import { describe, expect, it } from 'vitest';
import { crmLength, cutGraphemes, fitText } from '../../src/domain/text-length.ts';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('the CRM length rule', () => {
  it('counts UTF-16 units: an emoji is two of them, as Salesforce counts it', () => {
    expect(crmLength('理由')).toBe(2);
    expect(crmLength('😀')).toBe(2);
  });

  it('keeps text that fits and cuts the rest between whole characters, with an ellipsis', () => {
    expect(fitText('短い理由', 255)).toBe('短い理由');
    expect(fitText('abcdef', 4)).toBe('abc…');
    // 'ab' + half an emoji would be 3 units: the emoji goes whole or not at all.
    expect(fitText(`ab${'😀'.repeat(5)}`, 4)).toBe('ab…');
    expect(fitText(`ab${'😀'.repeat(5)}`, 5)).toBe('ab😀…');
    expect(fitText(`${'x'.repeat(10)}e\u0301abc`, 12)).toBe(`${'x'.repeat(10)}…`);
    expect(fitText('x👨‍👩‍👧yz', 10)).toBe('x👨‍👩‍👧…');
  });

  it('never exceeds the limit, never leaves a lone surrogate, and is idempotent', () => {
    const samples = ['😀'.repeat(200), `理由${'🔥'.repeat(130)}`, 'a😀'.repeat(150), '👍🏽'.repeat(80)];
    for (const text of samples) {
      for (const max of [20, 21, 254, 255]) {
        const once = fitText(text, max);
        expect(crmLength(once)).toBeLessThanOrEqual(max);
        expect(once).not.toMatch(loneSurrogate);
        expect(fitText(once, max)).toBe(once);
      }
    }
  });

  it('cuts free text to a number of graphemes', () => {
    expect(cutGraphemes('abc', 3)).toBe('abc');
    expect(cutGraphemes('abcd', 3)).toBe('ab…');
    expect(cutGraphemes('😀😀😀😀', 3)).toBe('😀😀…');
  });
});
