// A day a person picks is stored as 00:00 UTC of that day (epoch milliseconds) and always shown as that same
// day, whatever the browser's time zone, so monthly reports agree with what was entered. Moments (history,
// "last edited") are shown in local time.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

// "2026-11-30" -> 1796083200000 (00:00 UTC). Throws on anything that is not a real calendar day.
export function dayToEpoch(text) {
  const match = DAY.exec(String(text ?? ''));
  if (!match) throw new Error('Pick a date.');
  const [year, month, day] = match.slice(1).map(Number);
  const epoch = Date.UTC(year, month - 1, day);
  if (new Date(epoch).getUTCDate() !== day) throw new Error('Pick a date.');
  return epoch;
}

// Epoch milliseconds -> "2026-11-30", the UTC day (the value of an <input type="date">).
export function epochToDay(epoch) {
  return new Date(Number(epoch)).toISOString().slice(0, 10);
}

export function todayLocal(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
const momentFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDay = (epoch) => dayFormat.format(new Date(Number(epoch)));
export const formatMoment = (epoch) => momentFormat.format(new Date(typeof epoch === 'string' ? Date.parse(epoch) : Number(epoch)));
