import { describe, expect, it } from 'vitest';
import { parseActivityType } from '../../src/normalize/activity-type.ts';
import {
  parseBoolean,
  parseHearingAnswer,
  parseNextAction,
  parseTossUpFlag,
} from '../../src/normalize/flag-values.ts';
import { parsePlainNumber } from '../../src/normalize/plain-number.ts';

describe('Function: parseBoolean', () => {
  it.each([
    true,
    1,
    'true',
    'TRUE',
    'yes',
    'Y',
    '1',
    '１',
    'はい',
    'あり',
    '有',
    '✓',
    '✔',
    '○',
    '〇',
    'on',
    'checked',
  ])('reads %j as true', (raw) => {
    expect(parseBoolean(raw)).toEqual({ value: true });
  });

  it.each([false, 0, 'false', 'no', 'N', '0', 'いいえ', 'なし', '無', '×', 'off'])(
    'reads %j as false',
    (raw) => {
      expect(parseBoolean(raw)).toEqual({ value: false });
    },
  );

  it('leaves blanks to the caller and flags words it does not know', () => {
    expect(parseBoolean('')).toEqual({ value: null });
    expect(parseBoolean(null)).toEqual({ value: null });
    expect(parseBoolean('maybe')).toEqual({ value: null, issue: 'unknown_value' });
    expect(parseBoolean(2)).toEqual({ value: null, issue: 'unknown_value' });
    expect(parseBoolean({})).toEqual({ value: null, issue: 'unparseable' });
  });
});

describe('Function: parseHearingAnswer', () => {
  it.each([
    ['あり', 'yes'],
    ['有り', 'yes'],
    ['はい', 'yes'],
    ['yes', 'yes'],
    ['Yes', 'yes'],
    ['確認済', 'yes'],
    ['確認済み', 'yes'],
    [true, 'yes'],
    [1, 'yes'],
    ['なし', 'no'],
    ['いいえ', 'no'],
    ['no', 'no'],
    [false, 'no'],
    ['不明', 'unknown'],
    ['未確認', 'unknown'],
    ['確認中', 'unknown'],
    ['unknown', 'unknown'],
    ['わからない', 'unknown'],
  ] as const)('reads %j as %s', (raw, expected) => {
    expect(parseHearingAnswer(raw)).toEqual({ value: expected });
  });

  it('flags an answer it cannot place', () => {
    expect(parseHearingAnswer('たぶん')).toEqual({ value: null, issue: 'unknown_value' });
  });
});

describe('Function: parseTossUpFlag / parseNextAction', () => {
  it('reads the picklist labels written to the CRM back', () => {
    expect(parseTossUpFlag('はい')).toEqual({ value: 'yes' });
    expect(parseTossUpFlag('いいえ')).toEqual({ value: 'no' });
    expect(parseTossUpFlag('一時保留')).toEqual({ value: 'hold' });
    expect(parseTossUpFlag('HOLD')).toEqual({ value: 'hold' });
    expect(parseNextAction('field_sales_tossup')).toEqual({ value: 'field_sales_tossup' });
    expect(parseNextAction('Inside Sales Hearing')).toEqual({ value: 'inside_sales_hearing' });
    expect(parseNextAction('call them')).toEqual({ value: null, issue: 'unknown_value' });
  });
});

describe('Function: parseActivityType', () => {
  it.each([
    ['document_request', 'document_request'],
    ['Document Request', 'document_request'],
    ['document-request', 'document_request'],
    ['資料請求', 'document_request'],
    ['ホワイトペーパー', 'document_request'],
    ['webinar', 'webinar_attendance'],
    ['ウェビナー参加', 'webinar_attendance'],
    ['セミナー参加', 'event_attendance'],
    ['Seminar / Conference', 'event_attendance'],
    ['展示会', 'event_attendance'],
    ['お問い合わせ', 'inquiry'],
    ['フォーム送信', 'form_submission'],
    ['メール開封', 'email_open'],
    ['email_click', 'email_click'],
    ['ページ閲覧', 'page_view'],
  ] as const)('reads %j as %s', (raw, expected) => {
    expect(parseActivityType(raw)).toEqual({ value: expected });
  });

  it('flags an unknown type', () => {
    expect(parseActivityType('phone call')).toEqual({ value: null, issue: 'unknown_value' });
  });
});

describe('Function: parsePlainNumber', () => {
  it.each([
    [120, 120],
    [-5, -5],
    ['120', 120],
    ['１２０', 120],
    ['1,200', 1200],
    ['85点', 85],
    ['85 pts', 85],
    ['12.5', 12.5],
  ] as const)('reads %j as %d', (raw, expected) => {
    expect(parsePlainNumber(raw)).toEqual({ value: expected });
  });

  it('rejects anything fancier than a plain figure', () => {
    expect(parsePlainNumber('high')).toEqual({ value: null, issue: 'unparseable' });
    expect(parsePlainNumber('1e3')).toEqual({ value: null, issue: 'unparseable' });
    expect(parsePlainNumber('9'.repeat(400))).toEqual({ value: null, issue: 'unparseable' });
    expect(parsePlainNumber(Number.POSITIVE_INFINITY)).toEqual({ value: null, issue: 'unparseable' });
    expect(parsePlainNumber('')).toEqual({ value: null });
  });
});
