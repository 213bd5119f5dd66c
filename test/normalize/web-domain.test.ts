import { describe, expect, it } from 'vitest';
import { DEFAULT_FREE_MAIL_DOMAINS, freeMailDomains } from '../../src/normalize/free-mail-domains.ts';
import { webDomainOf } from '../../src/normalize/web-domain.ts';

describe('webDomainOf', () => {
  it.each([
    ['https://www.example.co.jp/ja/index.html', 'example.co.jp'],
    ['http://example.co.jp', 'example.co.jp'],
    ['www.example.co.jp', 'example.co.jp'],
    ['example.co.jp', 'example.co.jp'],
    ['EXAMPLE.CO.JP', 'example.co.jp'],
    ['ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏ．ｊｐ', 'example.co.jp'],
    ['https://www2.example.com:8443/path?q=1#top', 'example.com'],
    ['//example.com/', 'example.com'],
    ['example.com.', 'example.com'],
    [' https://example.com ', 'example.com'],
    // Subdomains stay: a group company under its parent's domain is another customer.
    ['https://sales.example.co.jp/', 'sales.example.co.jp'],
    ['taro@example.co.jp', 'example.co.jp'],
    ['not a website', null],
    ['', null],
    [null, null],
    ['https://', null],
  ])('%s → %s', (raw, domain) => {
    expect(webDomainOf(raw)).toBe(domain);
  });
});

describe('freeMailDomains', () => {
  const isFree = freeMailDomains(['example-isp.jp']);
  it.each([
    ['gmail.com', true],
    ['GMAIL.COM', true],
    ['yahoo.co.jp', true],
    ['outlook.com', true],
    ['icloud.com', true],
    ['docomo.ne.jp', true],
    ['ezweb.ne.jp', true],
    ['tokyo.ocn.ne.jp', true],
    ['example-isp.jp', true],
    ['mail.example-isp.jp', true],
    ['example.co.jp', false],
    ['notgmail.com', false],
    ['yahoo.co.jp.example.com', false],
  ])('%s → %s', (domain, free) => {
    expect(isFree(domain)).toBe(free);
  });

  it('keeps only the defaults without extras', () => {
    expect(freeMailDomains()('example-isp.jp')).toBe(false);
    expect(DEFAULT_FREE_MAIL_DOMAINS).toContain('gmail.com');
  });
});
