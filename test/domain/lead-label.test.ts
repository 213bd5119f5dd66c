import { describe, expect, it } from 'vitest';
import { leadLabel } from '../../src/domain/lead-label.ts';
import { personDisplayName } from '../../src/domain/person-name.ts';

describe('personDisplayName', () => {
  it('writes Japanese names family name first and others given name first', () => {
    expect(personDisplayName('太郎', '山田')).toBe('山田 太郎');
    expect(personDisplayName('タロウ', 'ヤマダ')).toBe('ヤマダ タロウ');
    // One CJK part is enough (a romanized given name with a kanji family name).
    expect(personDisplayName('Taro', '山田')).toBe('山田 Taro');
    expect(personDisplayName('Jane', 'Smith')).toBe('Jane Smith');
  });

  it('keeps the one part there is, trims, and is null when both are blank', () => {
    expect(personDisplayName(null, '山田')).toBe('山田');
    expect(personDisplayName(' Jane ', '')).toBe('Jane');
    expect(personDisplayName('  ', null)).toBeNull();
    expect(personDisplayName(undefined, undefined)).toBeNull();
  });
});

describe('leadLabel', () => {
  const lead = (name: string | null | undefined, company: string | null) => ({
    person: {
      ...(name === undefined ? {} : { name }),
      title: null,
      titleRank: null,
      department: null,
      emailDomain: null,
    },
    company: {
      name: company,
      employees: null,
      revenueJpy: null,
      industry: null,
      region: null,
      existingCustomer: false,
      accountOwnerId: null,
      strategicTarget: false,
    },
  });

  it('is the person and their company, else the company as the name, else null', () => {
    expect(leadLabel(lead('山田 太郎', '山田商事'))).toEqual({ name: '山田 太郎', company: '山田商事' });
    expect(leadLabel(lead('山田 太郎', null))).toEqual({ name: '山田 太郎' });
    expect(leadLabel(lead(undefined, '山田商事'))).toEqual({ name: '山田商事' });
    expect(leadLabel(lead(' ', ' '))).toBeNull();
    expect(leadLabel(lead(null, null))).toBeNull();
  });
});
