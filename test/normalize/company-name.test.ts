import { describe, expect, it } from 'vitest';
import { companyNameKey } from '../../src/normalize/company-name.ts';

// Names that are one company share a key; names of different companies (group companies, a
// different legal entity word, katakana vs. romaji) do not. Each row: name → expected key.
describe('companyNameKey', () => {
  it.each([
    ['株式会社山田製作所', '山田製作所'],
    ['山田製作所株式会社', '山田製作所'],
    ['（株）山田製作所', '山田製作所'],
    ['(株)山田製作所', '山田製作所'],
    ['㈱山田製作所', '山田製作所'],
    ['山田製作所（株）', '山田製作所'],
    ['株式会社 山田製作所', '山田製作所'],
    ['株式会社\u3000山田製作所', '山田製作所'],
    ['有限会社山田商店', '山田商店'],
    ['㈲山田商店', '山田商店'],
    ['合同会社ミライ', 'ミライ'],
    ['株式会社ＡＢＣシステム', 'abcシステム'],
    ['ＡＢＣシステム株式会社', 'abcシステム'],
    ['ｴｰﾋﾞｰｼｰ株式会社', 'エービーシー'],
    ['Yamada Seisakusho Co., Ltd.', 'yamadaseisakusho'],
    ['Yamada Seisakusho Co.,Ltd', 'yamadaseisakusho'],
    ['YAMADA SEISAKUSHO CO., LTD.', 'yamadaseisakusho'],
    ['Yamada Seisakusho Company Limited', 'yamadaseisakusho'],
    ['Acme Inc.', 'acme'],
    ['Acme, Inc.', 'acme'],
    ['Acme Corp.', 'acme'],
    ['Acme Corporation', 'acme'],
    ['Acme K.K.', 'acme'],
    ['Kabushiki Kaisha Acme', 'acme'],
    ['Acme Ltd', 'acme'],
    ['Acme LLC', 'acme'],
    ['Ａｃｍｅ　Ｉｎｃ．', 'acme'],
    ['A・B・C 商事', 'abc商事'],
    ['NTT-データ', 'nttデータ'],
    // Kept apart: the word that tells group companies apart stays.
    ['山田ホールディングス株式会社', '山田ホールディングス'],
    ['Acme Japan Inc.', 'acmejapan'],
    ['Acme Holdings Corp.', 'acmeholdings'],
    ['マネージャー商会', 'マネージャー商会'],
    // Only a suffix at the END is a legal form: "Costco" and "Incline" keep their letters.
    ['Costco', 'costco'],
    ['Incline Systems', 'inclinesystems'],
    // Too weak or nothing left.
    ['株式会社', null],
    ['X', null],
    ['', null],
    ['   ', null],
    [null, null],
  ])('%s → %s', (name, key) => {
    expect(companyNameKey(name)).toBe(key);
  });

  it('keeps different companies apart', () => {
    expect(companyNameKey('日立製作所')).not.toBe(companyNameKey('日立システムズ'));
    expect(companyNameKey('エービーシー株式会社')).not.toBe(companyNameKey('ABC株式会社'));
    expect(companyNameKey('Limited')).toBe('limited');
  });
});
