import { copyNumberTexts } from "./json-numbers.js";

/**
 * A deep copy of a JSON value that keeps what the notebook reader remembered of how its numbers
 * were written (`1.0` stays `1.0`): structuredClone would make new containers the remembered
 * texts are not attached to, and the notebook would be written back with `1`.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  const copy = (Array.isArray(value) ? value.map((v: unknown) => cloneJson(v)) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)]))) as T & object;
  copyNumberTexts(value, copy);
  return copy;
}

/** A shallow copy of an object or array that keeps the remembered number texts of its own members. */
export function shallowCopy<T extends object>(value: T): T {
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as T;
  copyNumberTexts(value, copy);
  return copy;
}
