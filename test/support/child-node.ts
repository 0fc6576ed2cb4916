// How a test starts one of our TypeScript modules in a child process, the way the test itself runs: compiled
// (scripts/compile-tests.mjs: plain Node, the mirror's .js) or, with LEADRELAY_TEST_TSX=1, the sources through tsx.
const COMPILED = !import.meta.url.endsWith('.ts');

/** The flags a child needs to import our modules: `--import tsx` for the sources, none when compiled. */
export const LOADER_ARGS: readonly string[] = COMPILED ? [] : ['--import', 'tsx'];

/** The file: URL a child imports for a module of the repository, named by its source path (`src/proxy/cli.ts`). */
export function moduleUrl(sourcePath: string): string {
  const url = new URL(`../../${sourcePath}`, import.meta.url).href;
  return COMPILED ? url.replace(/\.ts$/, '.js') : url;
}
