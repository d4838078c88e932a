// Things the user did that can wait for a better network (answer feedback): kept and sent later.
const storage = require('./storage');
const api = require('./api');

const KEY = 'outbox';
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function items() {
  return storage.get(KEY, []);
}

function add(item) {
  const list = items();
  list.push({ ...item, at: Date.now() });
  storage.set(KEY, list);
}

// Sends what it can, each item with the Idempotency-Key it was queued with (a resend after a lost reply
// is replayed, not doubled). Network failures and a busy server keep the item until it is a week old;
// any answer from the server, success or refusal (an answer it no longer knows: 404), settles it.
async function flush() {
  const keep = [];
  for (const item of items()) {
    if (Date.now() - item.at > MAX_AGE_MS) continue;
    try {
      await api.post(item.path, item.data, { idempotencyKey: item.key });
    } catch (e) {
      if (e.retryable) keep.push(item);
    }
  }
  storage.set(KEY, keep);
  return keep.length;
}

module.exports = { add, flush, items };
