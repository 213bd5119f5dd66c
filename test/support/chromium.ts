import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it, so CI always has it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/**
 * A browser test's time limit. Starting Chromium and taking full-page screenshots took 4 s alone and
 * over 30 s (the suite's default limit) in a CI run with every test worker busy: a limit on a shared
 * machine's speed, not on the page, so it is generous.
 */
export const BROWSER_TEST_MS = 180_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Playwright's own 30 s for the start, raised for the same reason as BROWSER_TEST_MS.
    timeout: 120_000,
    // As root in a sandboxless container, and with background networking off: the page must not need any.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
