// The `leadrelay-render` command: prints the prerendered snippet for the given attributes, and what a CSP must allow.
import { readFileSync } from 'node:fs';
import { LEAD_RELAY_ATTRIBUTES, prerenderLeadRelay, type LeadRelayAttributes } from './render-lead-relay.js';

const HELP = `leadrelay-render --proxy URL [--name value …]

Prints <lead-relay> prerendered (declarative shadow DOM) for these attributes: paste it where the form goes, with
<script type="module" src=".../leadrelay.js"></script> anywhere on the page. Make it again when you change them.

Attributes, one --name value flag each: ${LEAD_RELAY_ATTRIBUTES.map((name) => `--${name}`).join(', ')}.
  --page  the page the snippet goes on (/contact.html): a lead sent without JavaScript records it (browsers tell a
          proxy on another origin only your site's origin)
  --questions FILE  the proxy's questions file (LEADRELAY_QUESTIONS): the form --form names (else the default one)
          is drawn in, so it paints with the page and posts its answers without JavaScript
  --csp   print only the style-src sources a Content-Security-Policy must add

On stderr: the style-src sources to add under a strict Content-Security-Policy.`;

/** `--proxy URL --locale de` → attributes; throws on a flag without a value or an unknown one. */
export function parseRenderArgs(args: string[]): { attributes: LeadRelayAttributes; cspOnly: boolean } {
  const attributes: Record<string, string> = {};
  let cspOnly = false;
  for (let index = 0; index < args.length; index += 1) {
    const flag = args[index];
    if (flag === '--csp') {
      cspOnly = true;
      continue;
    }
    const [name, inline] = flag.replace(/^--/, '').split(/=(.*)/s);
    if (!flag.startsWith('--') || !(name === 'page' || name === 'questions' || (LEAD_RELAY_ATTRIBUTES as readonly string[]).includes(name))) {
      throw new TypeError(`unknown option ${flag} (see --help)`);
    }
    const value = inline ?? args[(index += 1)];
    if (value === undefined) throw new TypeError(`${flag} needs a value`);
    attributes[name] = value;
  }
  const file = attributes.questions;
  const questions: unknown = file === undefined ? undefined : JSON.parse(readFileSync(file, 'utf8'));
  return { attributes: { ...attributes, ...(file === undefined ? {} : { questions }) } as LeadRelayAttributes, cspOnly };
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    const { attributes, cspOnly } = parseRenderArgs(args);
    const { html, styleSrc } = await prerenderLeadRelay(attributes);
    if (cspOnly) {
      process.stdout.write(`style-src ${styleSrc.join(' ')}\n`);
      return 0;
    }
    process.stdout.write(`${html}\n`);
    process.stderr.write(`Under a strict Content-Security-Policy, add to style-src: ${styleSrc.join(' ')}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`leadrelay-render: ${(error as Error).message}\n`);
    return 2;
  }
}
