import { randomBytes } from 'node:crypto';
import { mountAdminRoutes } from '../shared/admin-routes.ts';
import { EmulatorClock } from '../shared/emulator-clock.ts';
import { HttpApp } from '../shared/http-app.ts';
import { TEAMS_MAX_MESSAGE_BYTES, TeamsMessageSchema } from './chat-schemas.ts';

/**
 * A Teams webhook receiver standing in for a Workflows "When a Teams webhook request is received"
 * trigger: `POST /webhooks/<name>?sig=<secret>` with an Adaptive Card message; answers 202 Accepted
 * (as Workflows does), 400 for a card Teams would not render, 413 above 28 KB, 401 for a wrong
 * signature. 429 and 5xx come from the shared fault injector (`app.faults`).
 */
export interface TeamsReceiverOptions {
  port?: number;
  host?: string;
  /** Webhook names to accept; each gets its own signature. */
  webhooks?: string[];
  clock?: EmulatorClock;
}

export interface RecordedTeamsCard {
  webhook: string;
  /** The parsed message body. */
  message: unknown;
  atMs: number;
  body: string;
}

export interface TeamsReceiver {
  url: string;
  /** Name → full webhook URL (with its signature), as an admin would paste it into the settings. */
  webhookUrls: Record<string, string>;
  app: HttpApp;
  clock: EmulatorClock;
  cards: RecordedTeamsCard[];
  /** Every request's status, in order. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startTeamsReceiver(options: TeamsReceiverOptions = {}): Promise<TeamsReceiver> {
  const clock = options.clock ?? new EmulatorClock();
  const sigs = new Map((options.webhooks ?? ['sales']).map((n) => [n, randomBytes(16).toString('hex')]));
  const cards: RecordedTeamsCard[] = [];
  const statuses: number[] = [];
  const app = new HttpApp({
    notFound: () => ({ status: 404, body: { error: { code: 'NotFound', message: 'no such webhook' } } }),
    internalError: () => ({ status: 500, body: { error: { code: 'InternalServerError' } } }),
  });
  app.decorate((req, res) => {
    if (req.route !== 'admin') statuses.push(res.status);
  });
  app.route('POST', '/webhooks/:name', 'teams.webhook', (req) => {
    const sig = sigs.get(req.params.name ?? '');
    if (sig === undefined) return { status: 404, body: { error: { code: 'NotFound' } } };
    if (req.query.get('sig') !== sig)
      return { status: 401, body: { error: { code: 'DirectApiAuthorizationRequired' } } };
    if (req.body.length > TEAMS_MAX_MESSAGE_BYTES)
      return { status: 413, body: { error: { code: 'RequestEntityTooLarge' } } };
    let message: unknown;
    try {
      message = JSON.parse(req.body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: { code: 'InvalidJson' } } };
    }
    const parsed = TeamsMessageSchema.safeParse(message);
    if (!parsed.success)
      return { status: 400, body: { error: { code: 'InvalidCard', message: parsed.error.message } } };
    cards.push({ webhook: req.params.name!, message, atMs: clock.now(), body: req.body.toString('utf8') });
    return { status: 202 };
  });
  mountAdminRoutes(app, {
    clock,
    snapshot: () => ({ cards: cards.map(({ body: _b, ...c }) => c), statuses }),
    setRateLimits: () => {},
  });
  const url = await app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const webhookUrls = Object.fromEntries([...sigs].map(([n, s]) => [n, `${url}/webhooks/${n}?sig=${s}`]));
  return { url, webhookUrls, app, clock, cards, statuses, close: () => app.close() };
}
