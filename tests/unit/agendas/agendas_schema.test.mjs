// The JSON Schemas of agendas/schema agree with the C++ validator: every shipped template, the
// outline and the option sets validate; the fixtures' bases validate; and every invalid fixture
// the schema can express (fixtures/invalid-cases.json, "schema": "same" | "ancestor") is rejected
// at the pointer the C++ validator reports, while those it cannot express ("none") pass the schema,
// so the manifest's claims stay true. Also: no English left in the French or Spanish texts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.NAPC_SOURCE_DIR ?? join(here, "..", "..", "..");
const data = join(root, "agendas");
const fixtures = join(here, "fixtures");
const readJson = (p) => JSON.parse(readFileSync(p, "utf8"));

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
for (const name of ["common", "outline", "options", "template"]) {
  ajv.addSchema(readJson(join(data, "schema", `${name}.schema.json`)));
}
const schemaId = (name) => `https://napconsult.invalid/agendas/schema/${name}.schema.json`;
const validators = {
  template: ajv.getSchema(schemaId("template")),
  outline: ajv.getSchema(schemaId("outline")),
  options: ajv.getSchema(schemaId("options")),
};

function explain(errors) {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`).join("\n");
}

// Where an ajv error points, in the C++ validator's convention: an unknown property is reported
// at the property itself, a missing one at its parent object.
function errorPointer(e) {
  if (e.keyword === "additionalProperties") return `${e.instancePath}/${e.params.additionalProperty}`;
  return e.instancePath;
}

const files = (dir) => readdirSync(join(data, dir)).filter((f) => f.endsWith(".json")).sort();

test("shipped templates validate against template.schema.json", () => {
  const names = files("templates");
  assert.ok(names.length >= 7, `expected the 7 shipped templates, found ${names.length}`);
  for (const name of names) {
    const doc = readJson(join(data, "templates", name));
    assert.ok(validators.template(doc), `${name}:\n${explain(validators.template.errors)}`);
    assert.equal(`${doc.id}.json`, name, "file name is the template id");
  }
});

test("the NAP outline validates against outline.schema.json", () => {
  for (const name of files("outlines")) {
    const doc = readJson(join(data, "outlines", name));
    assert.ok(validators.outline(doc), `${name}:\n${explain(validators.outline.errors)}`);
  }
});

test("option sets validate against options.schema.json", () => {
  for (const name of files("options")) {
    const doc = readJson(join(data, "options", name));
    assert.ok(validators.options(doc), `${name}:\n${explain(validators.options.errors)}`);
  }
});

test("fixture bases validate", () => {
  for (const name of ["base-days.json", "base-phases.json"]) {
    const doc = readJson(join(fixtures, name));
    assert.ok(validators.template(doc), `${name}:\n${explain(validators.template.errors)}`);
  }
});

// RFC 6902, the operations the manifest uses.
function parsePointer(p) {
  return p === "" ? [] : p.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}
function applyPatch(doc, ops) {
  const out = structuredClone(doc);
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    const last = tokens.pop();
    let parent = out;
    for (const t of tokens) parent = parent[t];
    if (op.op === "remove") {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (op.op === "replace") {
      assert.ok(last in parent, `replace of a missing ${op.path}`);
      parent[last] = structuredClone(op.value);
    } else if (op.op === "add") {
      if (Array.isArray(parent)) {
        if (last === "-") parent.push(structuredClone(op.value));
        else parent.splice(Number(last), 0, structuredClone(op.value));
      } else parent[last] = structuredClone(op.value);
    } else {
      throw new Error(`unsupported op ${op.op}`);
    }
  }
  return out;
}

const manifest = readJson(join(fixtures, "invalid-cases.json"));
for (const c of manifest.cases) {
  test(`invalid fixture ${c.name} (${c.rule}): schema ${c.schema}`, () => {
    const doc = applyPatch(readJson(join(fixtures, c.base)), c.patch);
    const ok = validators.template(doc);
    if (c.schema === "none") {
      assert.ok(ok, `the schema rejects ${c.name}; mark it "same" or "ancestor":\n${explain(validators.template.errors)}`);
      return;
    }
    assert.ok(!ok, `the schema accepts ${c.name}`);
    const pointers = validators.template.errors.map(errorPointer);
    if (c.schema === "same") {
      assert.ok(pointers.includes(c.pointer),
        `no schema error at ${JSON.stringify(c.pointer)}:\n${explain(validators.template.errors)}`);
    } else {
      assert.ok(pointers.some((p) => p !== c.pointer && (c.pointer.startsWith(p + "/") || p === "")),
        `no schema error at an ancestor of ${c.pointer}:\n${explain(validators.template.errors)}`);
    }
  });
}

// Every { en, fr, es } text with more than a couple of words must really be translated.
function* localized(node, path = "") {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* localized(node[i], `${path}/${i}`);
  } else if (node && typeof node === "object") {
    const keys = Object.keys(node);
    if (keys.length === 3 && keys.includes("en") && keys.includes("fr") && keys.includes("es")) {
      yield [path, node];
      return;
    }
    for (const k of keys) yield* localized(node[k], `${path}/${k}`);
  }
}

test("French and Spanish texts are translations, not copies of the English", () => {
  const problems = [];
  for (const dir of ["templates", "outlines", "options"]) {
    for (const name of files(dir)) {
      for (const [path, text] of localized(readJson(join(data, dir, name)))) {
        if (text.en.split(" ").length < 3) continue;  // "Protection", "Option A"
        if (text.fr === text.en) problems.push(`${dir}/${name}:${path}/fr`);
        if (text.es === text.en) problems.push(`${dir}/${name}:${path}/es`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
