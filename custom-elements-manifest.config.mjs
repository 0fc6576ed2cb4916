// Config for `npm run build:manifest` (@custom-elements-manifest/analyzer, Lit mode).
/** Members of the element marked `@internal` in their JSDoc (collected while the analyzer reads the source). */
const internalNames = new Set();

export default {
  globs: ['src/widget/lead-relay.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // The analyzer reads every entry of `static properties` as an attribute, including internal state
      // (`{ state: true }`: the form state of src/widget/host.ts, `@internal` on the element). Those are no API: drop
      // them, `_`-prefixed members, and every private member, so designers' tools (Storybook, IDEs) list only what a
      // page can use.
      name: 'leadrelay-public-api-only',
      analyzePhase({ ts, node }) {
        if (ts.isClassElement(node) && node.name && ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal')) {
          internalNames.add(node.name.getText());
        }
      },
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            const internal = (name) => name?.startsWith('_') || internalNames.has(name);
            declaration.members = declaration.members?.filter(
              (member) => member.privacy !== 'private' && member.privacy !== 'protected' && !internal(member.name),
            );
            declaration.attributes = declaration.attributes?.filter(
              (attribute) => !internal(attribute.name) && !internal(attribute.fieldName),
            );
          }
        }
      },
    },
  ],
};
