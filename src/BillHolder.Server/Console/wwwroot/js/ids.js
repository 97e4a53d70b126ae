// A syncId per edit. crypto.randomUUID exists only in secure contexts (https or loopback); getRandomValues everywhere.
export function newSyncId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
