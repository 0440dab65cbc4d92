// Bundles src/ into dist/ for embedding in the Go binary (web/web.go).
// Deterministic: fixed file names (no hashes, no timestamps), so the same
// sources and lockfile give byte-identical output.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

const out = "dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(`${out}/assets`, { recursive: true });

await build({
  entryPoints: { app: "src/app.ts" },
  outdir: `${out}/assets`,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  platform: "browser",
  sourcemap: false,
  legalComments: "eof",
  charset: "utf8",
  // Leaflet's CSS names a few images (layer switcher, default marker) that
  // Concord never shows; they are copied under fixed names so the CSS
  // stays valid without anything being requested from elsewhere.
  loader: { ".png": "file", ".svg": "file" },
  assetNames: "[name]",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});

copyFileSync("src/index.html", `${out}/index.html`);
