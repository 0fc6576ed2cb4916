// Config for `npm run build:manifest` (@custom-elements-manifest/analyzer, Lit mode).
export default {
  globs: ['src/widget/lead-relay.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // The analyzer reads every entry of `static properties` as an attribute, including internal state
      // (`{ state: true }`, our `_`-prefixed members). Those are no API: drop them, and every private member, so
      // designers' tools (Storybook, IDEs) list only what a page can use.
      name: 'leadrelay-public-api-only',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            const internal = (name) => name?.startsWith('_');
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
