// Runs shell commands side by side and fails if any fails: `npm test` builds and type-checks at once (two cores,
// neither waits for the other). Each command's output is printed in one piece when it ends, so lines never interleave.
//   node scripts/together.mjs "npm run build" "npm run typecheck"
import { spawn } from 'node:child_process';

const commands = process.argv.slice(2);
const results = await Promise.all(
  commands.map(
    (command) =>
      new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const output = [];
        child.stdout.on('data', (chunk) => output.push(chunk));
        child.stderr.on('data', (chunk) => output.push(chunk));
        child.on('close', (code, signal) => {
          process.stdout.write(Buffer.concat(output));
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          console.log(`together: \`${command}\` ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s`);
          resolve(code === 0);
        });
      }),
  ),
);
process.exit(results.every(Boolean) ? 0 : 1);
