// Form drafts, saved as the user types, each with the Idempotency-Key its submission will carry.
// The key lives with the draft: a retry after a time-out sends the same key, so the server replays
// its first answer instead of creating a second record. A new key is made only for a new draft.
const storage = require('./storage');

const PREFIX = 'draft:';

function newKey() {
  const rnd = () => Math.random().toString(36).slice(2, 10);
  return `mp-${Date.now().toString(36)}-${rnd()}${rnd()}`;
}

function load(name) {
  const d = storage.get(PREFIX + name, null);
  if (d && typeof d === 'object' && d.key) return d;
  return { values: {}, key: newKey(), step: 0 };
}

function save(name, draft) {
  storage.set(PREFIX + name, { values: draft.values || {}, key: draft.key || newKey(), step: draft.step || 0, savedAt: Date.now() });
}

function update(name, patch) {
  const d = load(name);
  const next = { ...d, ...patch, values: { ...d.values, ...(patch.values || {}) } };
  save(name, next);
  return next;
}

function clear(name) {
  storage.remove(PREFIX + name);
}

module.exports = { load, save, update, clear, newKey };
