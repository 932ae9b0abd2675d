// Shared by the browser tests: Debian's Chromium, headless, started the same way each time
// (no sandbox inside the CI container, no background traffic of the browser's own).
import { chromium } from 'playwright-core';

export const BASE = process.env.CAMPUS_URL ?? 'http://127.0.0.1:5000';
const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium() {
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
