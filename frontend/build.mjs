// Builds Publica's static front end into src/publica/portal/static/publica/ (not committed).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, "src", "publica", "portal", "static", "publica");
const modules = join(root, "node_modules");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "govuk"), { recursive: true });

const css = sass.compile(join(root, "frontend", "publica.scss"), {
  loadPaths: [modules],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "publica.css"), css.css);

const govuk = join(modules, "govuk-frontend", "dist", "govuk");
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
cpSync(join(govuk, "assets"), join(out, "govuk", "assets"), { recursive: true });
cpSync(join(modules, "leaflet", "dist"), join(out, "leaflet"), { recursive: true });
cpSync(join(root, "frontend", "publica.mjs"), join(out, "publica.mjs"));
console.log(`front end built in ${out}`);
