// Browser tests: Debian's Chromium, headless, with the flags this machine needs (see DEVELOPERS.md).
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fileURLToPath } from 'node:url';
import { cspPageMiddleware, mockProxyMiddleware } from './test/widget/mock-proxy.mjs';
import { summaryLineReporter } from './scripts/browser-test-summary.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default {
  files: ['test/widget/**/*.test.ts'],
  nodeResolve: { exportConditions: ['production', 'browser'] },
  concurrency: 1,
  // A scripted stand-in for the proxy (test/widget/mock-proxy.mjs) and a page served with a strict CSP.
  middleware: [mockProxyMiddleware(), cspPageMiddleware()],
  testsFinishTimeout: 10 * 60 * 1000,
  // Failures, browser logs and 404s per file as usual, no progress bar; the run ends with `N passed, N failed`.
  reporters: [defaultReporter({ reportTestProgress: false }), summaryLineReporter()],
  testFramework: { config: { timeout: 20000 } },
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS },
    }),
  ],
  plugins: [
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    }),
  ],
};
