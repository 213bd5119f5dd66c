import { errorResponse } from '../sf-error.ts';
import { authGuard, DATA, restGuards, type SfContext, sessionOf, sfHandler, versionOf } from './route-kit.ts';

/** Org-level resources: versions, the version root, /limits, identity, OAuth and SOAP login. */
export function mountOrgRoutes(ctx: SfContext): void {
  const guards = restGuards(ctx);
  const app = ctx.app;

  app.route('POST', '/services/oauth2/token', 'sf.token', (req) => ctx.auth.tokenEndpoint(req));
  app.route('GET', '/services/oauth2/authorize', 'sf.authorize', (req) => ctx.auth.authorizeEndpoint(req));
  app.route('POST', '/services/oauth2/revoke', 'sf.revoke', (req) => ctx.auth.revokeEndpoint(req));
  app.route('POST', '/services/Soap/u/:version', 'sf.soap.login', (req) =>
    ctx.auth.soapLogin(req, (req.params.version ?? '').replace(/^v/, '')),
  );

  app.route('GET', '/services/data', 'sf.versions', () => {
    const body = [];
    for (let v = ctx.minVersion; v <= ctx.maxVersion; v++) {
      body.push({ label: `Emulated v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
    }
    return { status: 200, body };
  });

  app.route(
    'GET',
    DATA,
    'sf.resources',
    sfHandler((req) => {
      const b = `/services/data/v${versionOf(req)}`;
      return {
        status: 200,
        body: {
          limits: `${b}/limits`,
          sobjects: `${b}/sobjects`,
          query: `${b}/query`,
          queryAll: `${b}/queryAll`,
          composite: `${b}/composite`,
          jobs: `${b}/jobs`,
        },
      };
    }),
    { guards },
  );

  app.route(
    'GET',
    `${DATA}/limits`,
    'sf.limits',
    sfHandler(() => {
      const a = ctx.allowance;
      const used = a.used(ctx.store.clock.now());
      const jobs = ctx.bulk.list().length;
      return {
        status: 200,
        body: {
          ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
          ConcurrentSyncReportRuns: { Max: 20, Remaining: 20 },
          DailyApiRequests: { Max: a.max, Remaining: Math.max(0, a.max - used) },
          DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
          DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
          DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
          DailyBulkV2QueryJobs: { Max: 10000, Remaining: Math.max(0, 10000 - jobs) },
          DataStorageMB: { Max: 1024, Remaining: 1024 },
          FileStorageMB: { Max: 1024, Remaining: 1024 },
          HourlyTimeBasedWorkflow: { Max: 1000, Remaining: 1000 },
          SingleEmailFileStorageMB: { Max: 10, Remaining: 10 },
        },
      };
    }),
    { guards },
  );

  // Identity URL from the token response (`/id/00D.../005...`).
  app.route(
    'GET',
    '/id/:org/:user',
    'sf.identity',
    sfHandler((req) => {
      const s = sessionOf(req);
      const user = ctx.store.lookup(req.params.user ?? '');
      if (req.params.org !== ctx.store.orgId || !user || user.Id !== s.userId) {
        return errorResponse(403, 'Bad_Id', 'Bad_Id');
      }
      const origin = ctx.auth.origin;
      return {
        status: 200,
        body: {
          id: ctx.auth.identityUrl(user.Id),
          asserted_user: true,
          user_id: user.Id,
          organization_id: ctx.store.orgId,
          username: user.Username,
          nick_name: user.Alias,
          display_name: user.Name,
          email: user.Email,
          first_name: user.FirstName,
          last_name: user.LastName,
          active: user.IsActive,
          user_type: 'STANDARD',
          language: 'en_US',
          locale: 'en_US',
          utcOffset: 0,
          urls: {
            rest: `${origin}/services/data/v{version}/`,
            sobjects: `${origin}/services/data/v{version}/sobjects/`,
            query: `${origin}/services/data/v{version}/query/`,
            profile: `${origin}/${user.Id}`,
          },
        },
      };
    }),
    { guards: [authGuard(ctx)] },
  );
}
