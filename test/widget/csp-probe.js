// Loaded first by the CSP test page: records every Content-Security-Policy violation for the test to read.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
