import { pino } from 'pino';
import { REDACTED, scrubText, scrubValue } from './scrub.ts';
import { serializeError } from './serialize-error.ts';

/** The structural logger the handlers use; child loggers carry correlation ids (run, batch, lead). */
export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; stdout (synchronously, so nothing is lost when Lambda freezes) by default. */
  destination?: pino.DestinationStream;
  /** Fields on every line, e.g. `{ fn: 'worker', crm: 'hubspot' }`. */
  base?: Record<string, string>;
}

/**
 * Canonical places where credentials sit in request/response-shaped objects. The key-based scrub in
 * `formatters.log` already covers any depth; pino's path redaction is a second, independent net for
 * the shapes we know, so a regression in one does not leak.
 */
const REDACT_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["x-hubspot-signature-v3"]',
  'headers["x-hubspot-signature"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-hubspot-signature-v3"]',
  'req.headers',
  'request.headers',
  'response.headers',
  'err.request',
  'err.response',
  'err.config',
  'err.headers',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'password',
  'privateKey',
  'secret',
];

/**
 * JSON logs for CloudWatch with credentials and personal data removed by key path, by key name at
 * any depth, and by value pattern in every string (message text included). Errors are logged as an
 * allow-listed summary with their `FailureKind` (`serializeError`).
 *
 * @example
 * const log = createLogger({ base: { fn: 'worker', crm: 'hubspot' } }).child({ runId: context.awsRequestId });
 * log.child({ leadId }).warn({ err }, 'lead failed');
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  const root = pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: serializeError, error: serializeError },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrubObject(bindings),
        log: (object) => scrubObject(object),
      },
      hooks: {
        // The message (and any interpolation argument) is free text: scrub it like any other value.
        logMethod(args, method) {
          const safe = args.map((a, i) =>
            typeof a === 'string' ? scrubText(a) : i > 0 ? scrubValue(a, serializeError) : a,
          );
          method.apply(this, safe as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  // pino resets the bindings formatter on children, so child bindings are scrubbed here instead.
  // Children are created with Object.create(parent), so every descendant inherits this `child`.
  const pinoChild = root.child;
  root.child = function child(this: Logger, bindings, childOptions) {
    return pinoChild.call(this, scrubObject(bindings), childOptions);
  } as Logger['child'];
  return root;
}

function scrubObject(o: Record<string, unknown>): Record<string, unknown> {
  return scrubValue(o, serializeError) as Record<string, unknown>;
}
