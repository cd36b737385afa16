import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Chromium, when installed (npm test installs it). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0);

/**
 * Opens `url` in headless Chromium (a fresh profile, no background networking: this machine's
 * network is closed) and waits for the page to report its results, at most 60 s.
 */
export async function runPageInChromium<T>(url: string, results: Promise<T>): Promise<{ results: T; chromium: ChildProcess }> {
  const chromium = spawn(
    CHROMIUM!,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'cors-lint-chromium-'))}`, url],
    { stdio: 'ignore' },
  );
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('Chromium did not report results in 60 s')), 60_000));
  return { results: await Promise.race([results, timeout]), chromium };
}
