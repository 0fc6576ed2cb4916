// `npm start`: the designer demo. Prints one line with its URL when ready; Ctrl-C (SIGINT/SIGTERM) stops it cleanly.
import { startDemo } from './demo-server.js';

function portFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('LeadRelay demo: PORT must be a whole number from 0 to 65535.');
    process.exit(1);
  }
  return port;
}

try {
  const demo = await startDemo({ port: portFromEnv(process.env.PORT), host: process.env.HOST || undefined, env: process.env });
  console.log(`LeadRelay demo: ${demo.url}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'that port is taken (set PORT to another, or unset it)' : (error as Error).message;
  console.error(`LeadRelay demo could not start: ${reason}`);
  process.exit(1);
}
