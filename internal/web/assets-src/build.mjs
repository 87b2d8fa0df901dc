// Builds internal/web/assets/tus.js from tus-upload.js with the pinned
// esbuild, and NOTICE beside it with the licence of every package the
// bundle holds. `make assets` runs it after `npm ci`; TestAssetsCurrent
// runs it into a temporary folder and compares. Usage: node build.mjs [OUTDIR]
import { build } from "esbuild";
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, "..", "assets");

const result = await build({
  entryPoints: [join(here, "tus-upload.js")],
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2017"],
  legalComments: "none",
  banner: { js: "/* Ferry's tus upload script, built by `make assets` from internal/web/assets-src; bundled code and its licences: internal/web/assets-src/NOTICE */" },
  outfile: join(out, "tus.js"),
  metafile: true,
  absWorkingDir: here,
  logLevel: "warning",
});

// The packages whose code is in the bundle, from esbuild's own account.
const pkgs = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) pkgs.add(m[1]);
}
let notice = "Ferry's internal/web/assets/tus.js bundles the following packages from npm, at the versions\n" +
  "package-lock.json pins. Their licences follow.\n";
for (const name of [...pkgs].sort()) {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  notice += `\n==== ${name} ${meta.version} (${meta.license}) ====\n\n`;
  notice += file ? readFileSync(join(dir, file), "utf8").trim() + "\n" : `No licence file ships with the package; package.json says ${meta.license}.\n`;
}
writeFileSync(join(out === join(here, "..", "assets") ? here : out, "NOTICE"), notice);
