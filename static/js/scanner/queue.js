/* What the door device keeps for offline use, in localStorage: the queue of scans made offline
 * (with the time each was made; sent when the network is back), the session roster (ticket
 * fingerprints, never tokens) and the last counts the server gave.
 */

export const QUEUE_KEY = 'workshop-checkin-queue';
const ROSTER_PREFIX = 'workshop-checkin-roster:';
const COUNTS_PREFIX = 'workshop-checkin-counts:';
// Rosters of other sessions (names of people) are not kept on the device for long.
const STALE_MS = 3 * 24 * 3600 * 1000;

export function rosterKey(sessionId) { return ROSTER_PREFIX + sessionId; }
export function countsKey(sessionId) { return COUNTS_PREFIX + sessionId; }

export function load(key, fallback) {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch (e) {
    return fallback;
  }
}

export function save(key, value) {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    return false;
  }
}

export function uid() {
  return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
}

/* ------------------------------------------------------------------ the queue */

export function queue() { return load(QUEUE_KEY, []); }

export function pushQueue(item) {
  const items = queue();
  items.push(item);
  save(QUEUE_KEY, items);
}

export function removeFromQueue(id) {
  save(QUEUE_KEY, queue().filter(function (item) { return item.id !== id; }));
}

/* Check-ins (not check-outs) of this session still waiting to be sent. */
export function pendingIn(sessionId) {
  return queue().filter(function (item) {
    return item.session_id === sessionId && item.mode !== 'out';
  }).length;
}

/* ------------------------------------------------------------------ rosters */

/* Forget the rosters (and counts) of other sessions once they are a few days old. */
export function forgetStaleRosters(sessionId) {
  const keep = rosterKey(sessionId);
  try {
    for (let k = window.localStorage.length - 1; k >= 0; k--) {
      const key = window.localStorage.key(k);
      if (!key || key === keep || key.indexOf(ROSTER_PREFIX) !== 0) continue;
      const old = load(key, null);
      if (!old || !(Date.now() - Date.parse(old.generated_at) < STALE_MS)) {
        window.localStorage.removeItem(key);
        window.localStorage.removeItem(COUNTS_PREFIX + key.slice(ROSTER_PREFIX.length));
      }
    }
  } catch (e) { /* storage unavailable */ }
}

/* The roster's entry for a ticket fingerprint, or else for a registration id. */
export function findEntry(roster, fingerprint, registrationId) {
  if (!roster || !roster.entries) return null;
  for (let i = 0; i < roster.entries.length; i++) {
    const entry = roster.entries[i];
    if (fingerprint ? entry.fingerprint === fingerprint : entry.registration_id === registrationId) {
      return entry;
    }
  }
  return null;
}

/* ------------------------------------------------------------------ fingerprints */

function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

/* Same as services.tickets.ticket_fingerprint: the first 32 hex digits of SHA-256 of the
   upper-case ticket, by Web Crypto. It exists in secure contexts only (https, which `make
   serve` gives a venue, and localhost); elsewhere this resolves null, and an offline scan is
   queued unchecked, to be judged by the server when it is sent. */
export function fingerprint(ticket) {
  const subtle = window.isSecureContext && window.crypto && window.crypto.subtle;
  if (!subtle) return Promise.resolve(null);
  const bytes = new TextEncoder().encode(String(ticket).trim().toUpperCase());
  return subtle.digest('SHA-256', bytes).then(function (digest) {
    return hex(digest).slice(0, 32);
  }, function () { return null; });
}
