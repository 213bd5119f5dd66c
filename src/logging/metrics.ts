import type { Logger } from './logger.ts';

/** CloudWatch namespace of the connector's own metrics (docs/deploy.md, "Monitoring"). */
export const METRICS_NAMESPACE = 'TossUp';

/**
 * Writes counts as one CloudWatch Embedded Metric Format line: CloudWatch Logs turns the `published`
 * ones into metrics (no PutMetricData call, no extra permission), and every count stays a field of
 * the line for Logs Insights. Only the published ones: each is a custom metric, billed by the month
 * per name and dimension values. None published: the line is written without its `_aws` block.
 * Dimensions are low-cardinality labels only (CRM, function), never ids.
 */
export function emitMetrics(
  log: Logger,
  dimensions: Readonly<Record<string, string>>,
  counts: Readonly<Record<string, number>>,
  timestamp: Date,
  published: readonly string[],
): void {
  const names = Object.keys(counts);
  if (names.length === 0) return;
  const metrics = names.filter((n) => published.includes(n));
  log.info(
    {
      ...(metrics.length > 0
        ? {
            _aws: {
              Timestamp: timestamp.getTime(),
              CloudWatchMetrics: [
                {
                  Namespace: METRICS_NAMESPACE,
                  Dimensions: [Object.keys(dimensions)],
                  Metrics: metrics.map((Name) => ({ Name, Unit: 'Count' })),
                },
              ],
            },
          }
        : {}),
      ...dimensions,
      ...counts,
    },
    'metrics',
  );
}
