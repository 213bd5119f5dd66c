import { ExitCode, type StopSignal } from '../pipeline/failure-policy.ts';

/** The exit code of a stopped sync or sweep: 2 fix settings · 4 run again later · 1 unexpected. */
export function exitCodeOfStop(stop: Pick<StopSignal, 'action'>): number {
  switch (stop.action) {
    case 'fix':
      return ExitCode.Fix;
    case 'retry':
    case 'resume_later':
      return ExitCode.Stopped;
    default:
      return ExitCode.Unexpected;
  }
}
