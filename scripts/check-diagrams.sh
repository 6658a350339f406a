#!/usr/bin/env bash
# Parses every Mermaid diagram in README.md and docs/*.md with the mermaid
# library itself (mermaid 11 under jsdom, installed from the npm registry
# into a cache folder outside the repository on first use) and reports the
# file and line of each one that does not parse.
#
#   scripts/check-diagrams.sh            # exit status 1 if a diagram is invalid
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools=${NEVCRM_MERMAID_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nevcrm-mermaid}
mkdir -p "$tools"
if [ ! -d "$tools/node_modules/mermaid" ] || [ ! -d "$tools/node_modules/jsdom" ]; then
  (cd "$tools" && npm install --silent --no-audit --no-fund mermaid@11 jsdom@24 >/dev/null)
fi
cat > "$tools/check.mjs" <<'JS'
import { JSDOM } from 'jsdom';
import fs from 'fs';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element; globalThis.HTMLElement = dom.window.HTMLElement;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let bad = 0, n = 0;
for (const f of process.argv.slice(2)) {
  const text = fs.readFileSync(f, 'utf8');
  const re = /```mermaid\n([\s\S]*?)```/g; let m;
  while ((m = re.exec(text))) {
    n++;
    const line = text.slice(0, m.index).split('\n').length;
    try { await mermaid.parse(m[1]); }
    catch (e) { bad++; console.log(`${f}:${line}: ${String(e.message || e).split('\n').slice(0, 4).join(' | ')}`); }
  }
}
console.log(`${n} Mermaid diagrams, ${bad} invalid`);
process.exit(bad ? 1 : 0);
JS
cd "$tools" && node check.mjs "$root"/README.md "$root"/docs/*.md
