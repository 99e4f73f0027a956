/* Door check-in scanner (an ES module; its parts are in ./scanner/, no build step).
 *
 * Codes come from the rear camera (./scanner/camera.js: the browser's BarcodeDetector, the
 * vendored polyfill, or the server), from a USB/Bluetooth scanner that types into the code
 * field, from the same field typed by hand, or from name search (./scanner/search.js). Each
 * becomes POST /api/v1/checkins through ./scanner/api.js.
 *
 * Offline, a ticket is checked against the session roster kept in localStorage (ticket
 * fingerprints, never tokens) and the scan is queued with the time it was made
 * (./scanner/queue.js); the queue is sent when the network is back. A service worker
 * (/checkin/sw.js) keeps the page and its files loadable offline.
 *
 * In check-out mode (config.mode 'out', the exit of a workshop that scans people out), each
 * code becomes POST /api/v1/checkouts instead; offline, the scan is queued with its mode.
 * The last check-out counts, so a mistaken one is corrected by scanning again: no undo.
 *
 * All text shown comes from the page (config.strings), translated on the server.
 */

import { NetworkError, createClient } from './scanner/api.js';
import { createCamera } from './scanner/camera.js';
import { clock as clockOf, createFeedback, fill } from './scanner/feedback.js';
import {
  countsKey, findEntry, fingerprint, forgetStaleRosters, load, pendingIn, pushQueue, queue,
  removeFromQueue, rosterKey, save, uid
} from './scanner/queue.js';
import { createSearch, keyBurst } from './scanner/search.js';

const REFRESH_MS = 30000; // roster refresh and queue retry

const root = document.getElementById('scanner');
const configNode = document.getElementById('checkin-config');
if (root && configNode) start(JSON.parse(configNode.textContent));

function start(config) {
  const S = config.strings;
  const urls = config.urls;
  const sessionId = config.sessionId;
  const checkingOut = config.mode === 'out';
  const ROSTER_KEY = rosterKey(sessionId);
  const COUNTS_KEY = countsKey(sessionId);

  function $(id) { return document.getElementById(id); }
  const el = {
    result: $('result'), headline: $('result-headline'), name: $('result-name'),
    agency: $('result-agency'), detail: $('result-detail'), counter: $('counter'), net: $('net'),
    undo: $('undo'), video: $('video'), cameraNote: $('camera-note'),
    cameraToggle: $('camera-toggle'), codeForm: $('code-form'), code: $('code'),
    searchForm: $('search-form'), search: $('search'),
    searchNote: $('search-note'), searchResults: $('search-results'),
    rosterInfo: $('roster-info'), syncProblems: $('sync-problems')
  };

  function clock(iso) { return clockOf(iso, S); }

  const client = createClient(config);
  const api = client.api;
  const errorMessage = client.errorMessage;
  const feedback = createFeedback(el, S);
  const show = feedback.show;
  const signal = feedback.signal;

  /* ---------------------------------------------------------------- state on the device */

  forgetStaleRosters(sessionId);
  let roster = load(ROSTER_KEY, null);

  // Counts from the server: the page's own unless a later response was stored since (the page
  // may come from the offline cache). Scans still queued are added when shown.
  let counts = config.counts;
  const stored = load(COUNTS_KEY, null);
  if (stored && stored.counts && Date.parse(stored.at) > Date.parse(config.generatedAt)) {
    counts = stored.counts;
  }
  function setCounts(value) {
    if (!value) return;
    counts = value;
    save(COUNTS_KEY, { counts: value, at: new Date().toISOString() });
  }

  // The workshop was cancelled (the server said so on a roster refresh or a scan): the device
  // keeps that instead of the roster, and refuses scans made offline from then on.
  function markCancelled(message) {
    roster = { cancelled: true, message: message, generated_at: new Date().toISOString() };
    save(ROSTER_KEY, roster);
    root.dataset.roster = 'cancelled';
  }

  function markRoster(registrationId, checkedInAt) {
    const entry = findEntry(roster, null, registrationId);
    if (entry) {
      entry.checked_in_at = checkedInAt;
      save(ROSTER_KEY, roster);
    }
  }

  let online = navigator.onLine !== false;
  let stuck = false; // the server refuses the sign-in: the queue waits for a new sign-in

  function setOnline(value) {
    if (online !== value) {
      online = value;
      renderNet();
    }
  }

  /* ---------------------------------------------------------------- rendering */

  function renderCounter() {
    const n = counts.checked_in + pendingIn(sessionId);
    el.counter.dataset.checkedIn = String(n);
    el.counter.dataset.confirmed = String(counts.confirmed);
    el.counter.textContent = fill(S.counter, { n: n, m: counts.confirmed });
  }

  function renderNet() {
    const n = queue().length;
    el.net.dataset.online = online ? '1' : '0';
    el.net.dataset.queue = String(n);
    let text;
    if (!online) text = fill(S.queueOffline, { n: n });
    else if (n && stuck) text = fill(S.queueStuck, { n: n });
    else if (n) text = fill(S.queueOnline, { n: n });
    else text = S.online;
    el.net.textContent = text;
  }

  function renderRosterInfo() {
    if (roster && roster.cancelled) {
      el.rosterInfo.textContent = roster.message;
      return;
    }
    if (!roster || !roster.entries) {
      el.rosterInfo.textContent = S.noRosterYet;
      return;
    }
    el.rosterInfo.textContent = fill(S.rosterInfo, {
      n: roster.entries.length, time: clock(roster.generated_at)
    });
  }

  let lastAction = null; // what "undo" undoes: {kind: 'server'|'queued', ...}

  function renderUndo() {
    el.undo.disabled = !lastAction;
  }

  function renderAll() {
    renderCounter();
    renderNet();
    renderRosterInfo();
    renderUndo();
  }

  function noteSyncProblem(text, link, code) {
    const item = document.createElement('li');
    item.textContent = text;
    if (code) item.dataset.code = code;
    if (link) {
      item.appendChild(document.createTextNode(' '));
      const a = document.createElement('a');
      a.href = link;
      a.textContent = S.signIn || link;
      item.appendChild(a);
    }
    el.syncProblems.appendChild(item);
  }

  /* What the door does next after a refusal. A ticket not found: ask the person's name. */
  function showRefusal(parts) {
    show('error', parts);
    signal('error');
    if (parts.code === 'invalid_ticket') search.focus();
  }

  /* Which of the two "no seat" messages fits the roster's status (waiting list or cancelled). */
  function notConfirmedMessage(status) {
    if (status === 'waitlisted') return S.notConfirmedWaitlisted;
    if (status === 'cancelled') return S.notConfirmedCancelled;
    return S.notConfirmed;
  }

  /* ---------------------------------------------------------------- checking in */

  let work = Promise.resolve();
  function serially(task) {
    work = work.then(task).catch(function (error) {
      if (window.console) window.console.error(error);
      show('error', { headline: S.serverError });
      signal('error');
    });
    return work;
  }

  function submitTicket(raw, method) {
    const ticket = String(raw || '').trim();
    if (!ticket) return work;
    return serially(function () { return checkIn({ ticket: ticket, method: method }); });
  }

  function submitRegistration(person) {
    return serially(function () {
      return checkIn({ registration_id: person.registration_id, method: 'search' });
    });
  }

  function checkIn(request) {
    const scannedAt = new Date().toISOString();
    feedback.showBusy();
    if (navigator.onLine === false) return checkInOffline(request, scannedAt);
    const body = { session_id: sessionId, method: request.method };
    if (request.ticket) body.ticket = request.ticket;
    else body.registration_id = request.registration_id;
    const url = checkingOut ? urls.checkout : urls.checkin;
    return api('POST', url, { json: body, timeout: 6000 }).then(function (res) {
      setOnline(true);
      if (res.status >= 500) return checkInOffline(request, scannedAt);
      if (checkingOut && res.ok) return checkoutResult(res.data || {});
      return serverResult(request, res);
    }, function (error) {
      if (!(error instanceof NetworkError)) throw error;
      setOnline(false);
      return checkInOffline(request, scannedAt);
    }).then(function () {
      camera.seen(request.ticket);
    });
  }

  function checkoutResult(data) {
    const person = data.person || {};
    const fresh = data.result === 'checked_out';
    show(fresh ? 'checked_out' : 'already_checked_out', {
      headline: fill(fresh ? S.checkedOut : S.alreadyCheckedOut, { time: clock(data.checked_out_at) }),
      name: person.name, agency: person.agency,
      detail: fill(S.hoursPresent, { hours: String(data.hours) })
    });
    signal(fresh ? 'ok' : 'already');
    renderAll();
    return null;
  }

  function serverResult(request, res) {
    const data = res.data || {};
    if (res.ok && data.result && data.person) {
      const person = data.person;
      setCounts(data.counts);
      markRoster(person.registration_id, data.checked_in_at);
      if (data.result === 'checked_in') {
        lastAction = {
          kind: 'server', checkinId: data.checkin_id, registrationId: person.registration_id,
          name: person.name
        };
        show('checked_in', {
          headline: fill(S.checkedIn, { time: clock(data.checked_in_at) }),
          name: person.name, agency: person.agency
        });
        signal('ok');
      } else {
        show('already_checked_in', {
          headline: fill(S.alreadyCheckedIn, { time: clock(data.checked_in_at) }),
          name: person.name, agency: person.agency
        });
        signal('already');
      }
      renderAll();
      return null;
    }
    if (res.status === 401) stuck = true;
    const code = data.error && data.error.code;
    if (code === 'workshop_cancelled') markCancelled(errorMessage(res));
    // The roster may know whose ticket it is (e.g. someone on the waiting list).
    const lookup = request.ticket && code === 'not_confirmed'
      ? fingerprint(request.ticket) : Promise.resolve(null);
    return lookup.then(function (fp) {
      const entry = code === 'not_confirmed'
        ? findEntry(roster, fp, request.registration_id) : null;
      const parts = {
        headline: errorMessage(res), name: entry ? entry.name : '',
        agency: entry ? entry.agency : '', code: code || 'http_' + res.status
      };
      if (code === 'invalid_ticket') {
        parts.headline = S.unknownTicket;
        parts.detail = errorMessage(res);
      }
      showRefusal(parts);
      renderAll();
    });
  }

  function inWindow(when) {
    const session = (roster && roster.session) || {};
    const opens = Date.parse(session.checkin_opens_at || config.window.opens);
    const closes = Date.parse(session.checkin_closes_at || config.window.closes);
    const t = Date.parse(when);
    return !(t < opens || t > closes);
  }

  function checkInOffline(request, scannedAt) {
    const lookup = request.ticket ? fingerprint(request.ticket) : Promise.resolve(null);
    return lookup.then(function (fp) {
      const item = {
        id: uid(), session_id: sessionId, scanned_at: scannedAt,
        ticket: request.ticket || null, registration_id: request.registration_id || null,
        fingerprint: fp, name: '', mode: checkingOut ? 'out' : 'in'
      };
      if (roster && roster.cancelled) {
        show('error', { headline: roster.message, offline: true, code: 'workshop_cancelled' });
        signal('error');
        renderAll();
        return;
      }
      // No roster yet, or no Web Crypto to compare the ticket with it (not a secure context):
      // keep the scan for the server to judge when it is sent.
      if (!roster || !roster.entries || (request.ticket && !fp)) {
        pushQueue(item);
        if (!checkingOut) lastAction = { kind: 'queued', id: item.id, name: S.unknownPerson };
        show('unverified', {
          headline: S.unverified, detail: roster && roster.entries ? S.noFingerprint : S.noRoster,
          offline: true
        });
        signal('already');
        renderAll();
        return;
      }
      const entry = findEntry(roster, fp, request.registration_id);
      const who = entry ? { name: entry.name, agency: entry.agency, offline: true } : null;
      if (!entry) {
        showRefusal({
          headline: S.unknownTicket, detail: S.unknownTicketDetail, offline: true,
          code: 'invalid_ticket'
        });
      } else if (entry.status !== 'confirmed') {
        showRefusal(Object.assign({
          headline: notConfirmedMessage(entry.status), code: 'not_confirmed'
        }, who));
      } else if (!inWindow(scannedAt)) {
        const session = roster.session || {};
        showRefusal(Object.assign({
          headline: fill(S.sessionNotOpen, {
            opens: clock(session.checkin_opens_at || config.window.opens),
            closes: clock(session.checkin_closes_at || config.window.closes)
          }),
          code: 'session_not_open'
        }, who));
      } else if (checkingOut) {
        if (!entry.checked_in_at) {
          showRefusal(Object.assign({ headline: S.notCheckedIn, code: 'not_checked_in' }, who));
        } else {
          item.rid = entry.registration_id;
          item.name = entry.name;
          pushQueue(item);
          show('checked_out', Object.assign({
            headline: fill(S.checkedOut, { time: clock(scannedAt) }), detail: S.savedOffline
          }, who));
          signal('ok');
        }
      } else if (entry.checked_in_at) {
        show('already_checked_in', Object.assign({
          headline: fill(S.alreadyCheckedIn, { time: clock(entry.checked_in_at) })
        }, who));
        signal('already');
      } else {
        item.registration_id = request.registration_id || null;
        item.rid = entry.registration_id;
        item.name = entry.name;
        pushQueue(item);
        entry.checked_in_at = scannedAt;
        save(ROSTER_KEY, roster);
        lastAction = { kind: 'queued', id: item.id, registrationId: entry.registration_id, name: entry.name };
        show('checked_in', Object.assign({
          headline: fill(S.checkedIn, { time: clock(scannedAt) }), detail: S.savedOffline
        }, who));
        signal('ok');
      }
      renderAll();
    });
  }

  /* ---------------------------------------------------------------- queue and roster sync */

  let syncing = null;

  function syncQueue() {
    if (syncing) return syncing;
    if (navigator.onLine === false || !queue().length) {
      renderNet();
      return Promise.resolve();
    }
    const items = queue();
    let index = 0;
    function next() {
      if (index >= items.length) return null;
      const item = items[index++];
      const body = { session_id: item.session_id, scanned_at: item.scanned_at, method: 'offline' };
      if (item.ticket) body.ticket = item.ticket;
      else body.registration_id = item.registration_id || item.rid;
      const out = item.mode === 'out';
      const url = out ? urls.checkout : urls.checkin;
      return api('POST', url, { json: body, timeout: 10000 }).then(function (res) {
        setOnline(true);
        if (res.status === 401 || res.status === 403) {
          stuck = true;
          return null; // keep the queue until someone signs in again
        }
        if (res.status >= 500 || res.status === 408 || res.status === 429) return null;
        stuck = false;
        removeFromQueue(item.id); // the server has decided, one way or the other
        const here = item.session_id === sessionId;
        if (out && res.ok) {
          // Nothing on this device depends on a check-out having reached the server.
        } else if (res.ok && res.data && res.data.person) {
          if (here) {
            setCounts(res.data.counts);
            markRoster(res.data.person.registration_id, res.data.checked_in_at);
          }
          if (lastAction && lastAction.kind === 'queued' && lastAction.id === item.id) {
            lastAction = res.data.result === 'checked_in' ? {
              kind: 'server', checkinId: res.data.checkin_id,
              registrationId: res.data.person.registration_id, name: res.data.person.name
            } : null;
          }
          const person = res.data.person;
          if (person.status !== 'confirmed') {
            // Checked in as of the scan, but no longer seated: not on the counter.
            noteSyncProblem(fill(S.syncNotSeatedNow, {
              name: person.name, time: clock(res.data.checked_in_at)
            }), null, 'not_seated_now');
          }
        } else {
          if (here && item.rid && !out) markRoster(item.rid, null);
          if (lastAction && lastAction.id === item.id) lastAction = null;
          // Only a refusal the server kept is on the organizer's page; say so only then.
          const error = res.data && res.data.error;
          const refusal = error && error.code;
          const text = error && error.kept_for_organizer ? S.syncRefused : S.syncRefusedNotKept;
          noteSyncProblem(fill(text, {
            name: item.name || S.unknownPerson, time: clock(item.scanned_at),
            message: errorMessage(res)
          }), null, refusal || 'http_' + res.status);
        }
        renderAll();
        return next();
      }, function (error) {
        if (!(error instanceof NetworkError)) throw error;
        setOnline(false);
        return null;
      });
    }
    syncing = Promise.resolve().then(next).catch(function (error) {
      if (window.console) window.console.error(error);
    }).then(function () {
      syncing = null;
      if (stuck && queue().length) noteSyncProblem(S.signedOut, urls.login);
      renderAll();
    });
    return syncing;
  }

  function refreshRoster() {
    if (navigator.onLine === false) return Promise.resolve();
    return api('GET', urls.roster, { timeout: 15000 }).then(function (res) {
      setOnline(true);
      const error = res.data && res.data.error;
      if (error && error.code === 'workshop_cancelled') {
        markCancelled(error.message);
        renderAll();
        return;
      }
      if (!res.ok || !res.data || !res.data.entries) return;
      const fresh = res.data;
      // Scans still waiting in the queue count as checked in on this device.
      queue().forEach(function (item) {
        if (item.session_id !== sessionId || item.mode === 'out') return;
        fresh.entries.forEach(function (entry) {
          const same = item.fingerprint ? entry.fingerprint === item.fingerprint
            : entry.registration_id === (item.rid || item.registration_id);
          if (same && !entry.checked_in_at) entry.checked_in_at = item.scanned_at;
        });
      });
      roster = fresh;
      save(ROSTER_KEY, roster);
      setCounts(fresh.counts);
      root.dataset.roster = 'ready';
      renderAll();
    }, function (error) {
      if (!(error instanceof NetworkError)) throw error;
      setOnline(false);
    });
  }

  function syncThenRefresh() {
    return syncQueue().then(refreshRoster).catch(function (error) {
      if (window.console) window.console.error(error);
    });
  }

  window.addEventListener('online', function () {
    setOnline(true);
    syncThenRefresh();
  });
  window.addEventListener('offline', function () { setOnline(false); });
  setInterval(function () {
    if (navigator.onLine !== false) syncThenRefresh();
  }, REFRESH_MS);

  /* ---------------------------------------------------------------- undo */

  el.undo.addEventListener('click', function () {
    const action = lastAction;
    if (!action) return;
    if (!window.confirm(fill(S.undoConfirm, { name: action.name }))) {
      refocus();
      return;
    }
    serially(function () {
      if (lastAction !== action) return null; // synced meanwhile; press again
      if (action.kind === 'queued') {
        removeFromQueue(action.id);
        if (action.registrationId) markRoster(action.registrationId, null);
        lastAction = null;
        show('undone', { headline: S.undone, name: action.name, offline: true });
        renderAll();
        return null;
      }
      return api('DELETE', urls.undo + action.checkinId, { timeout: 8000 }).then(function (res) {
        const code = res.data && res.data.error && res.data.error.code;
        if (res.ok) {
          setCounts(res.data && res.data.counts);
          markRoster(action.registrationId, null);
          lastAction = null;
          show('undone', { headline: S.undone, name: action.name });
        } else if (code === 'already_undone') {
          // An earlier press (given up on after the timeout) or another door got there
          // first: the check-in is gone all the same, and the counter comes from the roster.
          markRoster(action.registrationId, null);
          lastAction = null;
          show('undone', {
            headline: S.undone, name: action.name, detail: errorMessage(res), code: code
          });
          renderAll();
          return refreshRoster();
        } else {
          show('error', { headline: S.undoFailed, detail: errorMessage(res) });
          signal('error');
        }
        renderAll();
      }, function (error) {
        if (!(error instanceof NetworkError)) throw error;
        setOnline(false);
        show('error', { headline: S.undoFailed, detail: S.offline });
        signal('error');
      });
    }).then(refocus);
  });

  /* ---------------------------------------------------------------- code field */

  const burst = keyBurst(el.code);

  el.codeForm.addEventListener('submit', function (event) {
    event.preventDefault();
    const value = el.code.value.trim();
    const method = burst.scanned(value) ? 'qr' : 'manual';
    el.code.value = '';
    burst.reset();
    if (value) submitTicket(value, method);
  });

  // The code field keeps the focus so that a scanner's keystrokes always land in it. Focused
  // by the page, it asks for no on-screen keyboard (inputmode none: the keyboard would cover
  // the result on a phone); a tap on it is someone who wants to type: the keyboard comes up.
  function refocus() {
    const active = document.activeElement;
    if (active === el.search || (active && active.closest && active.closest('#search-results'))) {
      return;
    }
    if (active === el.code) return;
    el.code.setAttribute('inputmode', 'none');
    el.code.focus({ preventScroll: true });
  }

  el.code.addEventListener('click', function () {
    if (el.code.getAttribute('inputmode') === 'text') return;
    el.code.setAttribute('inputmode', 'text');
    // Focused already with no keyboard: focus again, inside the tap, to bring it up.
    el.code.blur();
    el.code.focus({ preventScroll: true });
  });

  el.code.addEventListener('blur', function () {
    setTimeout(function () {
      const active = document.activeElement;
      if (!active || active === document.body) refocus();
    }, 0);
  });
  document.addEventListener('keydown', function (event) {
    if (document.activeElement === document.body && event.key && event.key.length === 1 &&
        !event.ctrlKey && !event.metaKey && !event.altKey) {
      el.code.setAttribute('inputmode', 'none');
      el.code.focus({ preventScroll: true });
    }
  }, true);

  /* ---------------------------------------------------------------- search and camera */

  const search = createSearch({
    el: el, config: config, client: client, setOnline: setOnline,
    getRoster: function () { return roster; },
    onPick: function (person) {
      submitRegistration(person).then(refocus);
      refocus();
    },
    onTicket: function (code) { submitTicket(code, 'qr').then(refocus); }
  });

  const camera = createCamera({
    root: root, el: el, config: config, client: client, setOnline: setOnline,
    onCode: function (code) { submitTicket(code, 'qr'); }
  });
  el.cameraToggle.addEventListener('click', refocus);

  /* ---------------------------------------------------------------- offline page */

  function prepareOffline() {
    if (!('serviceWorker' in navigator) || !window.caches) return Promise.resolve();
    const controlled = Boolean(navigator.serviceWorker.controller);
    return navigator.serviceWorker.register(urls.serviceWorker, { scope: urls.scope, type: 'classic' })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return window.caches.open(config.cacheName); })
      .then(function (cache) {
        // The worker stores the scanner's files when it installs, and each page and file as
        // it passes through. This first visit was not served through it, and a sign-out
        // empties the cache: store the page now, and any file that is missing.
        const page = window.location.pathname + window.location.search;
        const wanted = urls.assets.map(function (url) {
          return cache.match(url).then(function (hit) { return hit ? null : url; });
        });
        if (!controlled && navigator.onLine !== false) wanted.push(page);
        return Promise.all(wanted).then(function (urlsToStore) {
          return Promise.all(urlsToStore.filter(Boolean).map(function (url) {
            return fetch(url, { credentials: 'same-origin', cache: 'no-cache' }).then(function (response) {
              if (response.ok && !response.redirected) return cache.put(url, response);
              return null;
            });
          }));
        });
      })
      .then(function () { root.dataset.offlineReady = '1'; })
      .catch(function (error) {
        if (window.console) window.console.warn('offline cache not available', error);
      });
  }

  /* ---------------------------------------------------------------- start */

  window.checkinScanner = { fingerprint: fingerprint };

  if (roster) root.dataset.roster = roster.cancelled ? 'cancelled' : 'cached';
  show('idle', { headline: checkingOut ? S.readyOut : S.ready, detail: S.readyDetail });
  el.result.classList.remove('scan-flash');
  renderAll();
  refocus();
  camera.start();
  prepareOffline();
  if (navigator.onLine !== false) syncThenRefresh();
}
