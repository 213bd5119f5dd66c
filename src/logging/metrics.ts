import type { Logger } from './logger.ts';

/** CloudWatch namespace of the connector's own metrics (docs/deploy.md, "Monitoring"). */
export const METRICS_NAMESPACE = 'TossUp';

/**
 * Writes counts as one CloudWatch Embedded Metric Format line: CloudWatch Logs turns it into metrics
 * (no PutMetricData call, no extra permission), and the same line stays readable in the logs.
 * Dimensions are low-cardinality labels only (CRM, function), never ids.
 */
export function emitMetrics(
  log: Logger,
  dimensions: Readonly<Record<string, string>>,
  counts: Readonly<Record<string, number>>,
  timestamp: Date,
): void {
  const names = Object.keys(counts);
  if (names.length === 0) return;
  log.info(
    {
      _aws: {
        Timestamp: timestamp.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [Object.keys(dimensions)],
            Metrics: names.map((Name) => ({ Name, Unit: 'Count' })),
          },
        ],
      },
      ...dimensions,
      ...counts,
    },
    'metrics',
  );
}
