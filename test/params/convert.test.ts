import assert from "node:assert/strict";
import { test } from "node:test";
import { convertValue, ParameterValueError } from "../../src/params/convert.js";
import type { Declared } from "../../src/params/declared.js";

const text = (t: string) => ({ kind: "text" as const, text: t });
const decl = (kind: Declared["kind"], type: string): Declared => ({ name: "x", type, kind });

test("command-line text takes the default's type", () => {
  assert.equal(convertValue("x", text("123"), decl("string", "string")), "123");
  assert.equal(convertValue("x", text("-1.5e3"), decl("number", "number")), -1500);
  assert.equal(convertValue("x", text("true"), decl("boolean", "boolean")), true);
  assert.throws(() => convertValue("x", text("12a"), decl("number", "number")), ParameterValueError);
  assert.throws(() => convertValue("x", text(""), decl("number", "number")), ParameterValueError);
  assert.throws(() => convertValue("x", text("yes"), decl("boolean", "boolean")), ParameterValueError);
});

test("without a typed default, text is JSON when it parses and a string when it does not", () => {
  assert.deepEqual(convertValue("x", text('{"a":[1,null]}'), undefined), { a: [1, null] });
  assert.equal(convertValue("x", text("42"), decl("json", "any")), 42);
  assert.equal(convertValue("x", text("../keys/spec"), undefined), "../keys/spec");
});

test("JSON values are taken as given but must fit a primitive default", () => {
  assert.deepEqual(convertValue("x", { kind: "json", value: [1, "a"] }, decl("json", "(string | number)[]")), [1, "a"]);
  assert.throws(() => convertValue("x", { kind: "json", value: 5 }, decl("string", "string")), /parameter x: 5 is not a string/);
});
