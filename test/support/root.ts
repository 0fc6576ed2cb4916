// The repository's folder, ending in a separator. Tests run compiled from a mirror of the tree (.test-js/, see
// scripts/compile-tests.mjs) whose files are links: `new URL('../../', import.meta.url)` would name the mirror, where
// npm pack or tsc find links instead of files. package.json is a link there, and its real path names the repository.
import { realpathSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(realpathSync(fileURLToPath(new URL('../../package.json', import.meta.url)))) + sep;
