// `npm start` (prestart) on a fresh clone: build once when dist/ has no bundle yet. The package itself has no install
// script (`prepack` builds what is published), so installing it runs nothing; a developer's clone builds here or in `npm test`.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync(new URL('../dist/leadrelay.js', import.meta.url)) || !existsSync(new URL('../dist/proxy/app.js', import.meta.url))) {
  console.log('leadrelay: dist/ is missing, building it once (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(result.status ?? 1);
}
