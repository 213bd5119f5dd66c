import { SeededRandom } from './seeded-random.ts';
import type { WorldCampaign } from './world.ts';
import { jstDateFromSeconds, SECONDS_PER_DAY } from './world-time.ts';

/**
 * A year of a SaaS vendor's marketing calendar: a webinar every two months, a few trade shows and
 * a user meeting, downloadable content, e-mail programmes and the always-on web forms. Dates sit
 * within the year before `asOf`, so roughly half of the dated campaigns fall inside the 180-day
 * activity window and can be attended.
 */

type CampaignType = WorldCampaign['type'];

interface CampaignDraft {
  type: CampaignType;
  /** Days before asOf, before jitter. */
  daysAgo: number;
  name: (year: number, season: string) => string;
}

const CALENDAR: readonly CampaignDraft[] = [
  { type: 'Webinar', daysAgo: 340, name: () => '【ウェビナー】インサイドセールス立ち上げの勘所' },
  { type: 'Webinar', daysAgo: 280, name: () => '【ウェビナー】営業DX最前線: SFA定着のポイント' },
  { type: 'Webinar', daysAgo: 215, name: () => '【ウェビナー】MAスコアリング設計入門' },
  { type: 'Webinar', daysAgo: 150, name: () => '【ウェビナー】トスアップ基準の作り方 〜MQLからSQLへ〜' },
  { type: 'Webinar', daysAgo: 90, name: () => '【ウェビナー】製造業の営業改革事例' },
  { type: 'Webinar', daysAgo: 30, name: () => '【共催ウェビナー】データドリブン営業の実践' },
  {
    type: 'Seminar / Conference',
    daysAgo: 300,
    name: (y, season) => `営業・マーケティングDX展 ${y} ${season} 出展`,
  },
  { type: 'Seminar / Conference', daysAgo: 160, name: (y) => `ユーザー会 ${y}（大阪）` },
  {
    type: 'Seminar / Conference',
    daysAgo: 45,
    name: (y, season) => `営業・マーケティングDX展 ${y} ${season} 出展`,
  },
  { type: 'Content', daysAgo: 360, name: () => '資料DL: サービス紹介資料' },
  { type: 'Content', daysAgo: 250, name: () => 'ホワイトペーパー: リードスコアリング実践ガイド' },
  { type: 'Content', daysAgo: 180, name: () => '資料DL: 導入事例集' },
  { type: 'Content', daysAgo: 120, name: () => 'ホワイトペーパー: インサイドセールスKPI設計' },
  { type: 'Content', daysAgo: 60, name: () => '資料DL: 料金プラン' },
  { type: 'Email', daysAgo: 362, name: () => 'メールマガジン（定期配信）' },
  { type: 'Email', daysAgo: 200, name: () => 'ナーチャリングメール シリーズA' },
  { type: 'Email', daysAgo: 100, name: () => '製品アップデートのお知らせ' },
  { type: 'Email', daysAgo: 20, name: (y) => `${y}年 期末キャンペーンのご案内` },
  { type: 'Website', daysAgo: 362, name: () => 'Webサイト お問い合わせフォーム' },
  { type: 'Website', daysAgo: 140, name: () => 'Webサイト 料金シミュレーター' },
];

const SEASONS = ['冬', '冬', '春', '春', '春', '夏', '夏', '夏', '秋', '秋', '秋', '冬'] as const;

export function generateCampaigns(seed: number, asOfSeconds: number): WorldCampaign[] {
  const random = new SeededRandom(seed, 'campaigns');
  const drafts = CALENDAR.map((draft) => {
    const jitter = draft.daysAgo >= 355 ? random.int(-3, 0) : random.int(-10, 10);
    let daysAgo = Math.max(1, Math.min(364, draft.daysAgo + jitter));
    let at = asOfSeconds - daysAgo * SECONDS_PER_DAY;
    // Live sessions run Tuesday to Thursday (JST): move back to the nearest such day.
    if (draft.type === 'Webinar' || draft.type === 'Seminar / Conference') {
      for (let guard = 0; guard < 7; guard++) {
        const weekday = new Date((at + 9 * 3600) * 1000).getUTCDay();
        if (weekday >= 2 && weekday <= 4) break;
        daysAgo += 1;
        at -= SECONDS_PER_DAY;
      }
    }
    const startDate = jstDateFromSeconds(at);
    const month = Number(startDate.slice(5, 7));
    return {
      type: draft.type,
      startDate,
      name: draft.name(Number(startDate.slice(0, 4)), SEASONS[month - 1] ?? ''),
    };
  });
  drafts.sort((a, b) => a.startDate.localeCompare(b.startDate) || a.name.localeCompare(b.name));
  return drafts.map((d, i) => ({
    key: `cmp${String(i + 1).padStart(2, '0')}`,
    name: d.name,
    type: d.type,
    startDate: d.startDate,
  }));
}
