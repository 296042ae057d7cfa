#!/usr/bin/env node
// Writes src/models.d.ts from the server's OpenAPI document (no dependencies).
//
//   node clients/typescript/scripts/generate-models.mjs           # regenerate
//   node clients/typescript/scripts/generate-models.mjs --check   # exit 1 when models.d.ts is stale
//
// Every object schema becomes an interface with the API's snake_case field names. Objects the
// server answers carry an index signature, so fields a newer server adds still type-check.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const specPath = join(here, "..", "..", "..", "docs", "openapi.json");
const outPath = join(here, "..", "src", "models.d.ts");
const schemas = JSON.parse(readFileSync(specPath, "utf8")).components.schemas;

const refName = (ref) => ref.split("/").pop();


function tsType(s) {
  if (s.$ref) return refName(s.$ref);
  if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map(tsType).join(" | ");
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const kinds = Array.isArray(s.type) ? s.type : [s.type];
  return kinds
    .map((k) => {
      switch (k) {
        case "string": return "string";
        case "integer": case "number": return "number";
        case "boolean": return "boolean";
        case "null": return "null";
        case "array": return `Array<${s.items ? tsType(s.items) : "unknown"}>`;
        case "object": return s.properties ? objectBody(s, true) : "Record<string, unknown>";
        default: return "unknown";
      }
    })
    .join(" | ");
}

function comment(text, indent) {
  if (!text) return [];
  const lines = text.trim().replaceAll("*/", "*\\/").split("\n");
  return [`${indent}/** ${lines.join(`\n${indent} * `)} */`];
}

function objectBody(s, open) {
  const required = new Set(s.required || []);
  const lines = ["{"];
  for (const key of Object.keys(s.properties || {}).sort()) {
    const prop = s.properties[key];
    lines.push(...comment(prop.description, "  "));
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    lines.push(`  ${name}${required.has(key) ? "" : "?"}: ${tsType(prop)};`);
  }
  if (open) lines.push("  /** Fields added by a newer server. */", "  [field: string]: unknown;");
  lines.push("}");
  return lines.join("\n");
}

function declare(name, s) {
  const out = comment(s.description, "");
  // Inputs (which refuse unknown fields) are closed; everything the server answers is open.
  const open = s.additionalProperties !== false;
  if (s.allOf) {
    const parts = s.allOf.map((p) => (p.$ref ? refName(p.$ref) : objectBody(p, open)));
    out.push(`export type ${name} = ${parts.join(" & ")};`);
  } else if (s.properties) {
    out.push(`export interface ${name} ${objectBody(s, open)}`);
  } else {
    let type = tsType(s);
    if (s.enum) type += " | (string & {})"; // values a newer server may add
    out.push(`export type ${name} = ${type};`);
  }
  return out.join("\n");
}

const names = Object.keys(schemas).sort();
const text = [
  "// Types of the agentline API, generated from docs/openapi.json.",
  "// Do not edit: run `node clients/typescript/scripts/generate-models.mjs` after changing the API.",
  "/* eslint-disable */",
  "",
  ...names.filter((n) => !n.startsWith("List_")).map((n) => declare(n, schemas[n]) + "\n"),
].join("\n");

if (process.argv.includes("--check")) {
  let current = "";
  try { current = readFileSync(outPath, "utf8"); } catch {}
  if (current !== text) {
    console.error(`${outPath} is stale: run node clients/typescript/scripts/generate-models.mjs`);
    process.exit(1);
  }
  console.log("models.d.ts matches openapi.json");
} else {
  writeFileSync(outPath, text);
  console.log(`wrote ${outPath}`);
}
