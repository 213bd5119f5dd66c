import type { ChatLanguage, CrmRecordRef, Notification, NotificationEvent } from '../ports/notifier.ts';
import { dateTimeFormat } from '../reasons/intl-formats.ts';

/**
 * What a notification says, in Japanese or English, independent of the chat service. Pure: no I/O,
 * no clock. Only the lead's name and company appear; everything else is our own vocabulary, dates
 * and the reps' display names.
 */
export interface NotificationContent {
  /** One line: event and lead (also the fallback text of a push notification). */
  title: string;
  /** One or two sentences on what to do. */
  body: string;
  /** Label/value pairs shown as facts (next action, due, owner). */
  facts: { label: string; value: string }[];
  link: { label: string; url: string };
}

export interface ContentOptions {
  /** Time zone the due date is shown in; the sales teams are in Japan. */
  timeZone?: string;
}

const NEXT_ACTION_LABELS: Record<ChatLanguage, Record<string, string>> = {
  ja: {
    field_sales_tossup: 'フィールドセールスへトスアップ',
    inside_sales_follow_up: 'インサイドセールスのフォロー',
    inside_sales_hearing: 'インサイドセールスのヒアリング',
    notify_is_sales_planning: '営業企画へ共有',
    nurture: 'ナーチャリング',
  },
  en: {
    field_sales_tossup: 'Field sales toss-up',
    inside_sales_follow_up: 'Inside sales follow-up',
    inside_sales_hearing: 'Inside sales hearing',
    notify_is_sales_planning: 'Share with sales planning',
    nurture: 'Nurture',
  },
};

type Texts = {
  title: (lead: string) => string;
  body: (p: { due: string; owner: string; previous: string }) => string;
};

const TEXTS: Record<ChatLanguage, Record<NotificationEvent, Texts>> = {
  ja: {
    'toss-up': {
      title: (l) => `新しいトスアップ: ${l}`,
      body: ({ due }) => `期限（${due}）までに初回対応し、CRMに活動を記録してください。`,
    },
    reminder: {
      title: (l) => `リマインド: ${l}`,
      body: ({ due }) => `まだ初回対応の記録がありません。期限は${due}です。`,
    },
    escalation: {
      title: (l) => `SLA超過: ${l}`,
      body: ({ due, owner }) =>
        `${owner}さんの初回対応が期限（${due}）までに記録されませんでした。フォローをお願いします。`,
    },
    reassignment: {
      title: (l) => `担当変更: ${l}`,
      body: ({ due, owner, previous }) =>
        `SLA超過のため${previous}さんから${owner}さんに担当を変更しました。新しい期限は${due}です。`,
    },
    approval_requested: {
      title: (l) => `承認依頼: ${l}`,
      // `previous` is the rep the toss-up goes to once approved; `owner` the manager addressed.
      body: ({ due, previous }) =>
        `${previous}さんへのトスアップに承認が必要です。期限（${due}）までにCRMで承認または却下（理由も）を設定してください。`,
    },
  },
  en: {
    'toss-up': {
      title: (l) => `New toss-up: ${l}`,
      body: ({ due }) => `Please make first contact by ${due} and log it in the CRM.`,
    },
    reminder: {
      title: (l) => `Reminder: ${l}`,
      body: ({ due }) => `No first response is logged yet. The SLA is due ${due}.`,
    },
    escalation: {
      title: (l) => `SLA breached: ${l}`,
      body: ({ due, owner }) => `${owner} logged no first response by ${due}. Please follow up.`,
    },
    reassignment: {
      title: (l) => `Reassigned: ${l}`,
      body: ({ due, owner, previous }) =>
        `The SLA was missed, so the lead moved from ${previous} to ${owner}. New due date: ${due}.`,
    },
    approval_requested: {
      title: (l) => `Approval needed: ${l}`,
      body: ({ due, previous }) =>
        `A toss-up to ${previous} needs your approval. Please approve or reject it (with a reason) in the CRM by ${due}.`,
    },
  },
};

const LABELS: Record<ChatLanguage, { nextAction: string; due: string; owner: string; unknown: string }> = {
  ja: { nextAction: '次のアクション', due: '期限', owner: '担当', unknown: '未定' },
  en: { nextAction: 'Next action', due: 'Due', owner: 'Owner', unknown: 'not set' },
};

export function notificationContent(n: Notification, options: ContentOptions = {}): NotificationContent {
  const lang = n.language;
  const labels = LABELS[lang];
  const lead = leadLabel(n, lang);
  const due = n.dueAt ? formatDue(n.dueAt, lang, options.timeZone ?? 'Asia/Tokyo') : labels.unknown;
  const owner = n.ownerName ?? labels.unknown;
  const texts = TEXTS[lang][n.event];
  const facts: { label: string; value: string }[] = [];
  if (n.nextAction) {
    facts.push({ label: labels.nextAction, value: NEXT_ACTION_LABELS[lang][n.nextAction] ?? n.nextAction });
  }
  facts.push({ label: labels.due, value: due });
  if (n.ownerName) facts.push({ label: labels.owner, value: n.ownerName });
  return {
    title: texts.title(lead),
    body: texts.body({ due, owner, previous: n.previousOwnerName ?? labels.unknown }),
    facts,
    link: { label: linkLabel(n.record, lang), url: recordUrl(n.record) },
  };
}

function leadLabel(n: Notification, lang: ChatLanguage): string {
  const company = n.lead.company?.trim();
  if (!company) return n.lead.name;
  return lang === 'ja' ? `${n.lead.name}（${company}）` : `${n.lead.name} (${company})`;
}

function linkLabel(record: CrmRecordRef, lang: ChatLanguage): string {
  const crm = record.crm === 'salesforce' ? 'Salesforce' : 'HubSpot';
  return lang === 'ja' ? `${crm}で開く` : `Open in ${crm}`;
}

function formatDue(iso: string, lang: ChatLanguage, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return dateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-US', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  }).format(at);
}

/**
 * Deep link to the record: the Lightning record page (`/lightning/r/<object>/<id>/view`, which
 * Salesforce serves from the My Domain host too) or the HubSpot contact record
 * (`/contacts/<portal id>/record/0-1/<contact id>`; 0-1 is the contact object type).
 */
export function recordUrl(record: CrmRecordRef): string {
  if (record.crm === 'salesforce') {
    const base = httpBase(record.instanceUrl);
    return `${base}/lightning/r/${encodeURIComponent(record.objectType)}/${encodeURIComponent(record.id)}/view`;
  }
  const base = httpBase(record.appBaseUrl ?? 'https://app.hubspot.com');
  return `${base}/contacts/${encodeURIComponent(record.portalId)}/record/0-1/${encodeURIComponent(record.contactId)}`;
}

/** Origin of an http(s) URL; anything else is refused so a setting cannot smuggle `javascript:` links. */
function httpBase(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`not an http(s) URL: ${u.protocol}`);
  return u.origin;
}
