// The company_id the proxy gives a company a visitor names in a `company: true` question.
//
// Companies in Intercom are found and updated by `company_id`, which the site's own integrations set (often the
// customer's account id, sometimes its name). If a visitor's text became the company_id, typing "acme" could attach a
// stranger to a real customer's company. So the id is keyed with the proxy's secret: the proxy creates or reuses only
// companies whose id it derived itself, and no text a visitor types can name another one.
import { hmacSha256, toBase64Url } from '../web-crypto.js';
import { normalizeCompanyName } from '../../protocol/questions.js';

/** `leadrelay-` + 32 base64url characters of HMAC-SHA256(LEADRELAY_SECRET, 'leadrelay:company:' + normalised name). */
export function companyReference(secret: string, companyName: string): string {
  const digest = toBase64Url(hmacSha256(secret, `leadrelay:company:${normalizeCompanyName(companyName)}`));
  return `leadrelay-${digest.slice(0, 32)}`;
}
