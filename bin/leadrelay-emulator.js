#!/usr/bin/env node
// The `leadrelay-emulator` command: an in-memory Intercom for tests and demos.
import { main } from '../dist/emulator/cli.js';
await main(process.argv.slice(2));
