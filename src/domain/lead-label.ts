import type { Lead } from './lead.ts';

/**
 * How a chat notice names a lead: the person's name and their company, the only personal data a
 * message carries (issue 13; no e-mail, phone or title). The person's name when known, else the
 * company's name as the name; null when the lead has neither (the notice then names the record).
 * Pure, the one place the toss-up notice and the hand-off episode take the label from.
 */
export interface LeadLabel {
  name: string;
  company?: string;
}

export function leadLabel(lead: Pick<Lead, 'person' | 'company'>): LeadLabel | null {
  const person = lead.person.name?.trim() || '';
  const company = lead.company.name?.trim() || '';
  if (person) return company ? { name: person, company } : { name: person };
  return company ? { name: company } : null;
}
