/**
 * CRM error messages sometimes quote the value that was rejected ("invalid email: taro@example.co.jp").
 * Reports and the skipped list keep lead ids and codes, not personal data, so quoted e-mail addresses,
 * phone-like numbers and URLs with query strings are masked and the message is cut short.
 */
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Japanese and international phone numbers (0… or +…); dates and numeric record ids are left alone. */
const PHONE = /(?<![\w-])(?:\+\d{1,3}[\s-]?\(?0?\)?|0)\d{1,4}[\s-]?\d{1,4}[\s-]?\d{3,4}(?![\w-])/g;
const URL_QUERY = /(https?:\/\/[^\s?#]+)[?#]\S*/g;
const BEARER = /(bearer|token|secret|password)(["':=\s]+)\S+/gi;

export function sanitizeMessage(message: string, maxLength = 300): string {
  const masked = message
    .replace(EMAIL, '<email>')
    .replace(URL_QUERY, '$1?…')
    .replace(BEARER, '$1$2<redacted>')
    .replace(PHONE, '<number>')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...masked];
  return chars.length <= maxLength ? masked : `${chars.slice(0, maxLength - 1).join('')}…`;
}
