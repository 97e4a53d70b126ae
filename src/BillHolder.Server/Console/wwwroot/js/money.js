// Amounts travel as integers in minor units (cents) and are shown and entered as decimal strings with two
// decimals. No floating point anywhere: 12345 -> "123.45", "123.4" -> 12340n. JavaScript numbers are exact only
// to 2^53, so every conversion goes through BigInt and strings.

const DECIMAL = /^\s*(-)?(\d{1,16})(?:[.,](\d{0,2}))?\s*$/;

// A value the server sent (a number, or a BigInt for integers past 2^53: see json.js) as "1234.56".
export function formatMinor(minor) {
  let value = BigInt(minor);
  const negative = value < 0n;
  if (negative) value = -value;
  const cents = (value % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${value / 100n}.${cents}`;
}

// "12.3" -> 1230n. Throws an Error whose message is fit to show next to the field.
export function parseDecimal(text, { allowNegative = false } = {}) {
  const match = DECIMAL.exec(String(text ?? ''));
  if (!match) {
    throw new Error(allowNegative ? 'Enter an amount such as 12.34 or -5.00.' : 'Enter an amount such as 12.34.');
  }
  const [, minus, whole, fraction = ''] = match;
  const minor = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  if (minus && minor !== 0n && !allowNegative) throw new Error('The amount cannot be negative.');
  return minus ? -minor : minor;
}

// For the wire: the server's limits (amounts up to 10^12 minor units) are far inside the exact range of a number.
export function toWireNumber(minor) {
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error('The amount is too large.');
  }
  return Number(minor);
}
