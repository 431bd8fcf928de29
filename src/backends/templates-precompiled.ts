/**
 * @fileoverview The Handlebars templates precompiled as code (template path under templates/ ->
 * the SHA-256 of the source it was compiled from, and a function returning the compiled
 * specification). This source file is a stand-in: `npm run build` (dist/tools/precompile-templates.js)
 * replaces its output in dist/ with the templates' code before the CLI is bundled, so the bundle's
 * code cache holds the templates compiled (src/backends/templates.ts uses them while their source
 * is unchanged). Without that step (vitest on src/, a tsc-only build) there are none, and the
 * templates are compiled when first used.
 */

export const PRECOMPILED_SPECS: Readonly<Record<string, { readonly sha256: string; readonly spec: () => object }>> | undefined = undefined;
