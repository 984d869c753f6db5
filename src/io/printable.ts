// Text a terminal shows as it is: a file name or a message with control characters in it cannot
// move the cursor, clear lines or recolour the log (and so hide the opt-out lines).

// C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional overrides and
// isolates that reorder what follows them.
const UNPRINTABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** The text with every character a terminal would act on written as `\xNN` or `\uNNNN`. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
