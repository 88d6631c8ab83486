import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardPreview } from '../contract/index.js';

/**
 * One self-contained HTML file of the dashboards (`liftwatch dashboards preview`): their figures
 * embedded as JSON and drawn by the console's own modules, to open from disk in any browser.
 */

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const ENTRY = 'dashboards-static.js';
const STYLES = ['style.css', 'dashboards.css'];
/** How the console's modules import each other: `from './dom.js'`. */
const RELATIVE_IMPORT = /from '\.\/([\w-]+\.js)'/g;

/**
 * A module's source with its imports turned into data: URLs, each holding the imported module the
 * same way: a page opened from disk may not load modules from beside it, but it may import these.
 */
function withInlinedImports(name: string, urls = new Map<string, string>()): string {
  const source = fs.readFileSync(path.join(PUBLIC_DIR, name), 'utf8');
  return source.replace(RELATIVE_IMPORT, (_whole, imported: string) => {
    let url = urls.get(imported);
    if (url === undefined) {
      const code = Buffer.from(withInlinedImports(imported, urls)).toString('base64');
      url = `data:text/javascript;base64,${code}`;
      urls.set(imported, url);
    }
    return `from '${url}'`;
  });
}

/** JSON inside a script element: `<` escaped, so no text in it can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function previewPage(dashboards: readonly DashboardPreview[], generatedAt: Date): string {
  const styles = STYLES.map((name) => fs.readFileSync(path.join(PUBLIC_DIR, name), 'utf8')).join('\n');
  const data = { generatedAt: generatedAt.toISOString(), dashboards };
  return `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>liftwatch 看板</title>
    <style>
${styles}
    </style>
    <script type="application/json" id="lw-dashboards">${scriptJson(data)}</script>
    <script type="module">
${withInlinedImports(ENTRY)}
    </script>
  </head>
  <body>
    <main id="main" class="dashboards"></main>
    <noscript>liftwatch 看板需要 JavaScript。The liftwatch dashboards need JavaScript.</noscript>
  </body>
</html>
`;
}
