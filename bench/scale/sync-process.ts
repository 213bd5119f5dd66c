/**
 * Imported first by the scale sync (scale-sync.ts), so it runs before the sync's modules load: the
 * process re-executes itself with the settings `tossup sync` gives its own process
 * (src/cli/sync-process-settings.ts), the same way the CLI does.
 */
import { applyProcessSettings, SYNC_PROCESS_ENV } from '../../src/cli/sync-process-settings.ts';

applyProcessSettings(SYNC_PROCESS_ENV);
