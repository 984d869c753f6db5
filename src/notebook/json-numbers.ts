/**
 * Numbers as Python's json module reads and writes them.
 *
 * Python keeps `1.0` a float and `12345678901234567890` an exact int; a JS number
 * keeps neither distinction. Where the text of a parsed number matters for writing
 * it back, the parser notes it here, keyed by the containing object or array, so the
 * notebook stays a plain JSON value for everyone else.
 */

type Container = object;
type Slot = string | number;

interface Remembered {
  value: number;
  text: string;
}

const remembered = new WeakMap<Container, Map<Slot, Remembered>>();

/** Notes how `value`, found at `container[slot]`, must be written back. */
export function rememberNumberText(container: Container, slot: Slot, value: number, text: string): void {
  let slots = remembered.get(container);
  if (!slots) {
    slots = new Map();
    remembered.set(container, slots);
  }
  slots.set(slot, { value, text });
}

/** Drops what was noted for `container[slot]` (a repeated key replaces the first value). */
export function forgetNumberText(container: Container, slot: Slot): void {
  remembered.get(container)?.delete(slot);
}

/** The remembered text, if the value there is still the one that was parsed. */
export function rememberedNumberText(container: Container, slot: Slot): string | undefined {
  const r = remembered.get(container)?.get(slot);
  return r !== undefined && Object.is(r.value, slotValue(container, slot)) ? r.text : undefined;
}

/** Carries remembered texts over to a copy of `from` (same slots, same values). */
export function copyNumberTexts(from: Container, to: Container): void {
  const slots = remembered.get(from);
  if (slots) remembered.set(to, new Map(slots));
}

function slotValue(container: Container, slot: Slot): unknown {
  return (container as Record<Slot, unknown>)[slot];
}

/**
 * Whether parsing `lexeme` into `value` lost something Python would write back:
 * an integral float (Python writes `1.0`, JS would write `1`) or an int beyond 2**53.
 * Returns the text Python writes, or undefined when formatting the value suffices.
 */
export function pythonTextOfLexeme(lexeme: string, value: number): string | undefined {
  if (/[.eE]/.test(lexeme)) {
    return Number.isInteger(value) ? pythonFloatRepr(value) : undefined;
  }
  return Number.isSafeInteger(value) ? undefined : lexeme;
}

/** `json.dumps` of a number that carries no remembered text. */
export function pythonNumberText(value: number): string {
  if (Number.isInteger(value)) {
    // Python ints print every digit; JS switches to exponent form at 1e21.
    return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
  }
  return pythonFloatRepr(value);
}

/** Python's `float.__repr__` as json writes it (NaN and infinities included). */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  // Shortest round-trip digits are the same in JS and Python; only the layout differs.
  const [mantissa, exp] = Math.abs(value).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const decpt = Number(exp) + 1; // position of the decimal point relative to the digits
  const sign = value < 0 ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = decpt - 1;
  const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
  return `${sign}${digits[0]}${frac}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}
