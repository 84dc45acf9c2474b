// `npx afsboot` from the project root: npm does not link a package's own bin into its
// node_modules/.bin, so do it here (postinstall). Idempotent.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const binDir = path.join(root, "node_modules/.bin");
const link = path.join(binDir, "afsboot");
fs.mkdirSync(binDir, { recursive: true });
fs.rmSync(link, { force: true });
fs.symlinkSync(path.relative(binDir, path.join(root, "bin/afsboot.mjs")), link);
