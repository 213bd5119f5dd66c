/**
 * E-mail domains anyone can sign up to (web mail, Japanese mobile carriers, consumer ISPs). A lead
 * writing from one says nothing about their company, so such a domain never matches an account, and
 * an account whose website is one is not indexed by domain. Subdomains count too ("xx.ocn.ne.jp").
 * The list is a default; a CRM mapping can add more (mappings/salesforce.yaml,
 * `lead.accountMatching.extraFreeMailDomains`).
 */
export const DEFAULT_FREE_MAIL_DOMAINS: readonly string[] = [
  // Web mail
  'gmail.com',
  'googlemail.com',
  'yahoo.co.jp',
  'ymail.ne.jp',
  'yahoo.com',
  'outlook.com',
  'outlook.jp',
  'hotmail.com',
  'hotmail.co.jp',
  'live.com',
  'live.jp',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'mail.com',
  'gmx.com',
  'proton.me',
  'protonmail.com',
  'zoho.com',
  'yandex.com',
  'qq.com',
  '163.com',
  'naver.com',
  // Japanese mobile carriers
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'disney.ne.jp',
  'rakuten.jp',
  'uqmobile.jp',
  // Japanese consumer ISPs and portals
  'nifty.com',
  'biglobe.ne.jp',
  'ocn.ne.jp',
  'so-net.ne.jp',
  'plala.or.jp',
  'dion.ne.jp',
  'eonet.ne.jp',
  'excite.co.jp',
  'infoseek.jp',
];

/** A membership test over the default list plus `extra`, subdomains included. */
export function freeMailDomains(extra: readonly string[] = []): (domain: string) => boolean {
  const set = new Set([...DEFAULT_FREE_MAIL_DOMAINS, ...extra].map((d) => d.trim().toLowerCase()));
  return (domain) => {
    let rest = domain.toLowerCase();
    for (;;) {
      if (set.has(rest)) return true;
      const dot = rest.indexOf('.');
      if (dot < 0) return false;
      rest = rest.slice(dot + 1);
    }
  };
}
