// Runs the graphql-http package's server audits (GraphQL over HTTP conformance) against a running Sud Pro API.
// Usage: node scripts/graphql-http-audit.mjs http://127.0.0.1:8080/graphql [folder holding node_modules/graphql-http]
// Prints one JSON line per audit; the exit status is 1 when a MUST audit fails. httpapi/audit_test.go runs it in
// `make test`, after installing graphql-http into .data/graphql-http.
import { createRequire } from "node:module";
import path from "node:path";

const [url, dir = path.resolve(".data/graphql-http")] = process.argv.slice(2);
if (!url) {
  console.error("usage: node scripts/graphql-http-audit.mjs URL [MODULE_DIR]");
  process.exit(2);
}
const { auditServer } = createRequire(path.join(dir, "package.json"))("graphql-http");
const results = await auditServer({ url });
let failedMust = 0;
for (const r of results) {
  const must = r.name.startsWith("MUST");
  if (must && r.status !== "ok") failedMust++;
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason }));
}
console.log(JSON.stringify({ audits: results.length, failedMust, warnings: results.filter((r) => r.status === "warn").length }));
process.exit(failedMust > 0 ? 1 : 0);
