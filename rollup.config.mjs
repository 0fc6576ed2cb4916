// Script-tag bundles from the tsc output: dist/leadrelay.js (ESM + lazy chunks) and dist/leadrelay.iife.js (one file).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const input = 'dist/widget/script-tag.js';
const plugins = () => [
  nodeResolve({ exportConditions: ['production', 'browser'], browser: true }),
  terser({ ecma: 2020, module: true, format: { comments: false } }),
];

export default [
  {
    input,
    plugins: plugins(),
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: 'leadrelay.js',
      // ky, the locale packs and the launcher dialog load after first paint, from beside leadrelay.js.
      chunkFileNames: 'leadrelay-[name]-[hash].js',
    },
  },
  {
    input,
    plugins: plugins(),
    output: {
      file: 'dist/leadrelay.iife.js',
      format: 'iife',
      // No `name`: the bundle sets up window.LeadRelay itself, keeping a queue the page made before it loaded.
      inlineDynamicImports: true,
    },
  },
];
