import type { LeadInput } from '../../src/normalize/lead-input.ts';
import type { WorldCompany, WorldPerson } from './world.ts';

/**
 * A world person as the product's lead-file format (`tossup score --input`), the way a connector
 * with full company association (HubSpot-style) would see it: company facts on every person,
 * the free-text head count where the number is blank, a lost deal as `previouslyLost`, campaign
 * keys as activity sources. Used to profile a world with the real engine; the connectors own the
 * CRM-specific mappings.
 */
export function worldPersonToLeadInput(person: WorldPerson, company: WorldCompany): LeadInput {
  return {
    id: person.key,
    objectType: person.kind === 'lead' ? 'Lead' : 'Contact',
    ownerId: person.ownerKey,
    modifiedAt: person.modifiedAt,
    company: {
      name: company.name,
      employees: company.employees ?? company.employeesText,
      revenueJpy: company.revenueJpy,
      industry: company.industry,
      region: company.prefecture,
      existingCustomer: company.existingCustomer,
      accountOwnerId: company.ownerKey,
      strategicTarget: company.strategicTarget,
    },
    person: { title: person.title, department: person.department, email: person.email },
    activities: person.activities.map((a) => ({
      type: a.type,
      at: a.at,
      ...(a.page === undefined ? {} : { page: a.page }),
      ...(a.campaignKey === undefined ? {} : { source: a.campaignKey }),
    })),
    maBehaviourScore: person.maScore,
    hearing: person.hearing === null ? null : { ...person.hearing },
    history: { previouslyLost: company.opportunities.some((o) => o.stage === 'Closed Lost') },
    manualRequest:
      person.manualRequestByKey === null ? null : { requested: true, requestedBy: person.manualRequestByKey },
  };
}
