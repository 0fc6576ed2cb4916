// Entry of the script-tag bundles (dist/leadrelay.js, dist/leadrelay.iife.js): `leadrelay` plus window.LeadRelay.
import * as api from '../index.js';
import { installGlobal } from './global-queue.js';

export * from '../index.js';

if (typeof window !== 'undefined') installGlobal({ ...api });
