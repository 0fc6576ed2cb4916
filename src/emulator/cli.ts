// The `leadrelay-emulator` command: parse flags, start the emulator, stop cleanly on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startEmulator } from './index.js';
import { DEFAULT_REQUEST_LOG_LIMIT } from './state.js';

const USAGE = `Usage: leadrelay-emulator [--port N] [--host H] [--token T] [--request-log N] [--allow-host NAME]...
  --request-log N     how many API requests GET /_emulator/requests keeps, oldest dropped first (default ${DEFAULT_REQUEST_LOG_LIMIT})
  --allow-host NAME   a Host name it answers to besides loopback and --host (e.g. a container's service name)`;

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' }, 'request-log': { type: 'string' }, 'allow-host': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 8790 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const requestLogLimit = values['request-log'] === undefined ? undefined : Number(values['request-log']);
  if (requestLogLimit !== undefined && !(Number.isInteger(requestLogLimit) && requestLogLimit > 0)) {
    console.error(`--request-log must be a whole number of at least 1\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const allowedHosts = values['allow-host'] ?? [];
  const running = await startEmulator({ port, host: values.host ?? '127.0.0.1', token: values.token, requestLogLimit, allowedHosts });
  console.log(`Intercom emulator listening on ${running.url}`);
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
