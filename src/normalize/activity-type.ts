import type { ActivityType } from '../domain/lead.ts';
import { type ChoiceParser, choiceParser } from './choice-text.ts';

/** Activity types as MA exports, campaign types and hand-made sheets name them. */
export const parseActivityType: ChoiceParser<ActivityType> = choiceParser<ActivityType>({
  document_request: [
    '資料請求',
    '資料ダウンロード',
    'ホワイトペーパー',
    'ホワイトペーパーダウンロード',
    'download',
    'document download',
    'content download',
    'whitepaper',
    'whitepaper download',
    'ebook',
    'content',
  ],
  webinar_attendance: ['ウェビナー', 'ウェビナー参加', 'ウェビナー視聴', 'webinar', 'webinar attended'],
  event_attendance: [
    'イベント',
    'イベント参加',
    'セミナー',
    'セミナー参加',
    '展示会',
    '展示会来場',
    'event',
    'seminar',
    'conference',
    'seminar / conference',
    'trade show',
  ],
  form_submission: ['フォーム', 'フォーム送信', 'form', 'form submit', 'form submitted'],
  inquiry: [
    '問い合わせ',
    'お問い合わせ',
    '問合せ',
    'お問合せ',
    '見積依頼',
    'デモ依頼',
    'contact',
    'contact us',
    'contact request',
    'demo request',
  ],
  email_open: ['メール開封', '開封', 'open', 'email opened'],
  email_click: ['メールクリック', 'クリック', 'click', 'email clicked', 'link click'],
  page_view: ['ページ閲覧', 'ページビュー', '閲覧', 'pv', 'page view', 'web visit', 'visit'],
});
