// Bundles the anywidget module (one ES module + one CSS file) into the Python package.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const out = new URL("../perfnb/static/", import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/widget.ts"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "eof",
  outfile: new URL("panel.js", out).pathname,
  logLevel: "warning",
});
copyFileSync("style/panel.css", new URL("panel.css", out));
