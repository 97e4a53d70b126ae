// JSON.parse that keeps integers past 2^53 exact (as BigInt) instead of rounding them: a balance may exceed
// what a double holds. Uses the reviver's source text (JSON.parse source text access, Chromium 114+); where a
// browser lacks it, such a value stays a rounded number.
export function parseExactJson(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value);
}
