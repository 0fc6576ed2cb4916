// The css`` tag of the widget's styles: Lit's CSSResult from a template without interpolations.
import { unsafeCSS, type CSSResult } from 'lit';

/**
 * Our styles never interpolate, so they need none of what Lit's own `css` tag adds for that (checking each value is
 * a `css` result, and its long error message: 0.15 KB gzip of first paint). The type refuses a `${…}`; the text is
 * the template's own, so it is no less safe than `css` (nothing from outside goes in). Each style's CSSResult is
 * made once, when its module loads, and keeps its one CSSStyleSheet (which Lit's tag caches by template instead).
 * Named `css` so editors highlight the CSS and the bundle's minifier finds it (rollup.config.mjs).
 */
export const css = (strings: TemplateStringsArray): CSSResult => unsafeCSS(strings[0]);
