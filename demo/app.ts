// The npm import path, as a customer's app bundles it: `import 'leadrelay'` registers <lead-relay>; convertLead at sign-in.
import 'leadrelay';
import { convertLead, resetLead } from 'leadrelay';
import { defineDemoElementsAfterLoad, type DemoSignIn } from './inbox-view.js';

// The package.json `sideEffects` list covers dist/ only, so a bare `import './inbox-view.js'` would be dropped. The
// demo's panels are defined after the page has loaded: the widget starts first.
await defineDemoElementsAfterLoad();

// The sign-in panel runs the convertLead this bundle imported, not the script-tag global (there is none on this page).
const signIn = document.querySelector<DemoSignIn>('demo-sign-in');
if (signIn) {
  signIn.convertLead = convertLead;
  signIn.resetLead = resetLead;
}
