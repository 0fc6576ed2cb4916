#!/usr/bin/env node
// The `leadrelay-proxy` command: the token proxy, configured from the environment.
import { main } from '../dist/proxy/cli.js';
await main(process.argv.slice(2));
