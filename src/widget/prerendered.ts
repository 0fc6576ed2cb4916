// Taking over a prerendered snippet (leadrelay/render): what the visitor typed and focused moves to the element's form.
import type { TakeOverHost } from './host.js';

/**
 * Called in the update that first draws the element's own form, before it commits: the values typed into the
 * prerendered form (before the script, or while a language pack was on its way), the consent box and the focused
 * control move over, then the prerendered nodes go. Same task, so no frame shows neither form.
 */
export function takeOverPrerendered(host: TakeOverHost): void {
  const nodes = host.prerenderedNodes ?? [];
  host.prerenderedNodes = undefined;
  const root = host.renderRoot as ShadowRoot;
  for (const control of root.querySelectorAll<HTMLInputElement>('[part=input]')) {
    if (control.value) host.formValues = { ...host.formValues, [control.name]: control.value };
  }
  host.consentGiven ||= !!root.querySelector<HTMLInputElement>('#lr-consent')?.checked;
  if (root.activeElement?.id) host.focusNext = `#${root.activeElement.id}`;
  for (const node of nodes) node.remove();
}
