// A runnable example: LeadRelay's proxy as a Cloudflare Worker, configured by wrangler.toml beside this file.
//   npx wrangler d1 create leadrelay          (put the id it prints in wrangler.toml)
//   npx wrangler secret put INTERCOM_ACCESS_TOKEN
//   npx wrangler secret put LEADRELAY_SECRET  (openssl rand -hex 32)
//   npx wrangler deploy
// The widget's `proxy` attribute is then https://<your worker's host>/api/leadrelay.
// #region readme
import worker from 'leadrelay/proxy/cloudflare';

// fetch: the proxy's routes; scheduled: the Cron Trigger that delivers what Intercom could not take at once.
export default worker;
// #endregion readme
