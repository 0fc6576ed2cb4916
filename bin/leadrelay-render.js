#!/usr/bin/env node
// The `leadrelay-render` command: prints the prerendered <lead-relay> snippet (see `leadrelay-render --help`).
import { main } from '../dist/render/cli.js';
process.exitCode = await main(process.argv.slice(2));
