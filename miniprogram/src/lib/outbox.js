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

// Sends what it can. A 404 (the server has no feedback endpoint yet, or forgot the answer) keeps the
// item until it is a week old; anything else that is not a network failure drops it.
async function flush() {
  const keep = [];
  for (const item of items()) {
    if (Date.now() - item.at > MAX_AGE_MS) continue;
    try {
      await api.post(item.path, item.data, { idempotencyKey: item.key });
    } catch (e) {
      if (e.retryable || e.status === 404) keep.push(item);
    }
  }
  storage.set(KEY, keep);
  return keep.length;
}

module.exports = { add, flush, items };
