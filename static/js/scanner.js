/* Door check-in scanner.
 *
 * Codes come from the rear camera (decoded by the browser's BarcodeDetector, or frame by frame
 * by POST /api/v1/checkins/decode where the browser has none), from a USB/Bluetooth scanner
 * that types into the code field, from the same field typed by hand, or from name search.
 * Each becomes POST /api/v1/checkins. The API accepts the signed-in page when the request
 * carries the page's CSRF token in X-CSRFToken.
 *
 * Offline, a ticket is checked against the session roster kept in localStorage (ticket
 * fingerprints, never tokens) and the scan is queued in localStorage with the time it was
 * made; the queue is sent when the network is back. A service worker (/checkin/sw.js) keeps
 * the page itself loadable offline.
 *
 * In check-out mode (config.mode 'out', the exit of a workshop that scans people out), each
 * code becomes POST /api/v1/checkouts instead; offline, the scan is queued with its mode.
 * The last check-out counts, so a mistaken one is corrected by scanning again: no undo.
 *
 * All text shown comes from the page (config.strings), translated on the server.
 */
(function () {
  'use strict';

  var root = document.getElementById('scanner');
  var configNode = document.getElementById('checkin-config');
  if (!root || !configNode) return;

  var config = JSON.parse(configNode.textContent);
  var S = config.strings;
  var urls = config.urls;
  var sessionId = config.sessionId;
  var checkingOut = config.mode === 'out';
  var csrfToken = config.csrfToken;
  var lang = document.documentElement.lang || 'th';

  var QUEUE_KEY = 'workshop-checkin-queue';
  var ROSTER_KEY = 'workshop-checkin-roster:' + sessionId;
  var COUNTS_KEY = 'workshop-checkin-counts:' + sessionId;
  var REPEAT_MS = 3000; // the same code is ignored this long after it was last seen
  var REFRESH_MS = 30000; // roster refresh and queue retry
  var SERVER_FRAME_MS = 300; // pause between frames sent for decoding (one in flight)
  var NATIVE_FRAME_MS = 150;
  var REFUSED_FRAME_MS = 5000;
  var FRAME_WIDTH = 640;
  var BUSY_DELAY_MS = 250;

  function $(id) { return document.getElementById(id); }
  var el = {
    result: $('result'), headline: $('result-headline'), name: $('result-name'),
    agency: $('result-agency'), detail: $('result-detail'), counter: $('counter'), net: $('net'),
    undo: $('undo'), video: $('video'), cameraNote: $('camera-note'),
    cameraToggle: $('camera-toggle'), codeForm: $('code-form'), code: $('code'),
    keyboard: $('keyboard'), searchForm: $('search-form'), search: $('search'),
    searchNote: $('search-note'), searchResults: $('search-results'),
    rosterInfo: $('roster-info'), syncProblems: $('sync-problems')
  };

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  /* Bangkok wall-clock time of an ISO instant (UTC+7 all year, no daylight saving). */
  function clock(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return '';
    var local = new Date(t + 7 * 3600 * 1000);
    return fill(S.time, { hh: pad2(local.getUTCHours()), mm: pad2(local.getUTCMinutes()) });
  }

  function uid() {
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  }

  /* ------------------------------------------------------------------ storage */

  function load(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function queue() { return load(QUEUE_KEY, []); }
  function pushQueue(item) { var items = queue(); items.push(item); save(QUEUE_KEY, items); }
  function removeFromQueue(id) {
    save(QUEUE_KEY, queue().filter(function (item) { return item.id !== id; }));
  }
  function pendingHere() {
    return queue().filter(function (item) {
      return item.session_id === sessionId && item.mode !== 'out';
    }).length;
  }

  var roster = load(ROSTER_KEY, null);

  // Rosters of other sessions (names of people) are not kept on the device for long.
  var STALE_MS = 3 * 24 * 3600 * 1000;
  try {
    for (var k = window.localStorage.length - 1; k >= 0; k--) {
      var key = window.localStorage.key(k);
      if (!key || key === ROSTER_KEY || key.indexOf('workshop-checkin-roster:') !== 0) continue;
      var old = load(key, null);
      if (!old || !(Date.now() - Date.parse(old.generated_at) < STALE_MS)) {
        window.localStorage.removeItem(key);
        window.localStorage.removeItem(key.replace('-roster:', '-counts:'));
      }
    }
  } catch (e) { /* storage unavailable */ }

  // Counts from the server: the page's own unless a later response was stored since (the page
  // may come from the offline cache). Scans still queued are added when shown.
  var counts = config.counts;
  var stored = load(COUNTS_KEY, null);
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

  function rosterEntry(fingerprint, registrationId) {
    if (!roster || !roster.entries) return null;
    for (var i = 0; i < roster.entries.length; i++) {
      var entry = roster.entries[i];
      if (fingerprint ? entry.fingerprint === fingerprint : entry.registration_id === registrationId) {
        return entry;
      }
    }
    return null;
  }

  function markRoster(registrationId, checkedInAt) {
    var entry = rosterEntry(null, registrationId);
    if (entry) {
      entry.checked_in_at = checkedInAt;
      save(ROSTER_KEY, roster);
    }
  }

  /* ------------------------------------------------------------------ SHA-256 */

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function ror(x, n) { return (x >>> n) | (x << (32 - n)); }

  /* SHA-256 in plain JavaScript: crypto.subtle exists only in secure contexts (https,
     localhost), and a door device may reach the server by a LAN address over http. */
  function sha256HexPure(bytes) {
    var length = bytes.length;
    var padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(padded.length - 4, (length << 3) >>> 0);
    var H = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    ]);
    var W = new Uint32Array(64);
    for (var offset = 0; offset < padded.length; offset += 64) {
      var i;
      for (i = 0; i < 16; i++) W[i] = view.getUint32(offset + i * 4);
      for (i = 16; i < 64; i++) {
        var w15 = W[i - 15];
        var w2 = W[i - 2];
        var s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >>> 3);
        var s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (i = 0; i < 64; i++) {
        var t1 = (h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    var out = '';
    for (var j = 0; j < 8; j++) out += ('0000000' + H[j].toString(16)).slice(-8);
    return out;
  }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  function sha256Hex(text) {
    var bytes = new TextEncoder().encode(text);
    if (window.isSecureContext && window.crypto && window.crypto.subtle) {
      return window.crypto.subtle.digest('SHA-256', bytes).then(hex, function () {
        return sha256HexPure(bytes);
      });
    }
    return Promise.resolve(sha256HexPure(bytes));
  }

  /* Same as services.tickets.ticket_fingerprint: first 32 hex of SHA-256 of the upper case. */
  function fingerprint(ticket) {
    return sha256Hex(ticket.trim().toUpperCase()).then(function (digest) {
      return digest.slice(0, 32);
    });
  }

  /* ------------------------------------------------------------------ network */

  function NetworkError(message) { this.name = 'NetworkError'; this.message = message; }
  NetworkError.prototype = Object.create(Error.prototype);

  var online = navigator.onLine !== false;
  var stuck = false; // the server refuses the sign-in: the queue waits for a new sign-in

  function setOnline(value) {
    if (online !== value) {
      online = value;
      renderNet();
    }
  }

  function refreshCsrf() {
    return fetch(urls.csrf, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
    }).then(function (response) {
      if (!response.ok || response.redirected) return false;
      return response.json().then(function (data) {
        if (!data || !data.csrf_token) return false;
        csrfToken = data.csrf_token;
        return true;
      });
    }).catch(function () { return false; });
  }

  /* fetch with the page's CSRF token; resolves {status, ok, data}, rejects NetworkError. */
  function api(method, url, options, retried) {
    options = options || {};
    var headers = { 'X-CSRFToken': csrfToken, Accept: 'application/json', 'Accept-Language': lang };
    var body = options.body;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.contentType) {
      headers['Content-Type'] = options.contentType;
    }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, options.timeout || 8000) : null;
    return fetch(url, {
      method: method, headers: headers, body: body, credentials: 'same-origin', cache: 'no-store',
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (timer) clearTimeout(timer);
        if (response.status === 401 && !retried) {
          return refreshCsrf().then(function (fresh) {
            return fresh ? api(method, url, options, true)
              : { status: response.status, ok: false, data: data };
          });
        }
        return { status: response.status, ok: response.ok, data: data };
      });
    }, function (error) {
      if (timer) clearTimeout(timer);
      throw new NetworkError(String(error && error.message));
    });
  }

  function errorMessage(res) {
    var error = res && res.data && res.data.error;
    if (res && (res.status === 401)) return S.signedOut;
    return (error && error.message) || S.error;
  }

  /* ------------------------------------------------------------------ feedback */

  var busyTimer = null;

  // Words the browser's Thai dictionary (ICU, in Chromium and Safari) does not know and would
  // break inside at a line end: เช็กอิน, the Royal Institute spelling, came out as เช็|กอิน in
  // the big result text. Each is kept in one unbreakable span; the text itself is unchanged.
  var UNBREAKABLE = /(เช็กอิน)/;

  function setText(node, text) {
    node.textContent = '';
    String(text || '').split(UNBREAKABLE).forEach(function (part, i) {
      if (!part) return;
      if (i % 2) {
        var span = document.createElement('span');
        span.className = 'nowrap';
        span.textContent = part;
        node.appendChild(span);
      } else {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function show(state, parts) {
    clearTimeout(busyTimer);
    parts = parts || {};
    el.result.dataset.state = state;
    el.result.dataset.offline = parts.offline ? '1' : '0';
    el.result.dataset.code = parts.code || '';
    setText(el.headline, parts.headline);
    el.name.textContent = parts.name || '';
    el.agency.textContent = parts.agency || '';
    setText(el.detail, parts.detail);
    el.result.classList.remove('scan-flash');
    void el.result.offsetWidth; // restart the flash animation
    el.result.classList.add('scan-flash');
  }

  function showBusy() {
    clearTimeout(busyTimer);
    busyTimer = setTimeout(function () {
      el.result.dataset.state = 'busy';
      el.headline.textContent = S.checking;
      el.name.textContent = '';
      el.agency.textContent = '';
      el.detail.textContent = '';
    }, BUSY_DELAY_MS);
  }

  var audio = null;
  function unlockAudio() {
    try {
      if (!audio) {
        var Context = window.AudioContext || window.webkitAudioContext;
        if (Context) audio = new Context();
      }
      if (audio && audio.state === 'suspended') audio.resume();
    } catch (e) { audio = null; }
  }
  document.addEventListener('pointerdown', unlockAudio, true);
  document.addEventListener('keydown', unlockAudio, true);

  var TONES = {
    ok: { type: 'sine', notes: [[1046, 0, 0.18]] },
    already: { type: 'triangle', notes: [[660, 0, 0.1], [660, 0.16, 0.1]] },
    error: { type: 'square', notes: [[196, 0, 0.5]] }
  };
  var BUZZ = { ok: [80], already: [60, 80, 60], error: [300, 100, 300] };

  function signal(kind) {
    try {
      if (audio && audio.state === 'running') {
        var tone = TONES[kind];
        var start = audio.currentTime + 0.01;
        tone.notes.forEach(function (note) {
          var oscillator = audio.createOscillator();
          var gain = audio.createGain();
          oscillator.type = tone.type;
          oscillator.frequency.value = note[0];
          gain.gain.setValueAtTime(0.0001, start + note[1]);
          gain.gain.exponentialRampToValueAtTime(0.25, start + note[1] + 0.01);
          gain.gain.exponentialRampToValueAtTime(0.0001, start + note[1] + note[2]);
          oscillator.connect(gain);
          gain.connect(audio.destination);
          oscillator.start(start + note[1]);
          oscillator.stop(start + note[1] + note[2] + 0.02);
        });
      }
      if (navigator.vibrate) navigator.vibrate(BUZZ[kind]);
    } catch (e) { /* sound and vibration are extras */ }
  }

  function renderCounter() {
    var n = counts.checked_in + pendingHere();
    el.counter.dataset.checkedIn = String(n);
    el.counter.dataset.confirmed = String(counts.confirmed);
    el.counter.textContent = fill(S.counter, { n: n, m: counts.confirmed });
  }

  function renderNet() {
    var n = queue().length;
    el.net.dataset.online = online ? '1' : '0';
    el.net.dataset.queue = String(n);
    var text;
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

  var lastAction = null; // what "undo" undoes: {kind: 'server'|'queued', ...}

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
    var item = document.createElement('li');
    item.textContent = text;
    if (code) item.dataset.code = code;
    if (link) {
      item.appendChild(document.createTextNode(' '));
      var a = document.createElement('a');
      a.href = link;
      a.textContent = S.signIn || link;
      item.appendChild(a);
    }
    el.syncProblems.appendChild(item);
  }

  /* ------------------------------------------------------------------ checking in */

  var work = Promise.resolve();
  function serially(task) {
    work = work.then(task).catch(function (error) {
      if (window.console) window.console.error(error);
      show('error', { headline: S.serverError });
      signal('error');
    });
    return work;
  }

  function submitTicket(raw, method) {
    var ticket = String(raw || '').trim();
    if (!ticket) return work;
    return serially(function () { return checkIn({ ticket: ticket, method: method }); });
  }

  function submitRegistration(person) {
    return serially(function () {
      return checkIn({ registration_id: person.registration_id, method: 'search' });
    });
  }

  function checkIn(request) {
    var scannedAt = new Date().toISOString();
    showBusy();
    if (navigator.onLine === false) return checkInOffline(request, scannedAt);
    var body = { session_id: sessionId, method: request.method };
    if (request.ticket) body.ticket = request.ticket;
    else body.registration_id = request.registration_id;
    var url = checkingOut ? urls.checkout : urls.checkin;
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
      if (request.ticket && request.ticket.toUpperCase() === lastCode) lastSeen = Date.now();
    });
  }

  function checkoutResult(data) {
    var person = data.person || {};
    var fresh = data.result === 'checked_out';
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
    var data = res.data || {};
    if (res.ok && data.result && data.person) {
      var person = data.person;
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
    var code = data.error && data.error.code;
    if (code === 'workshop_cancelled') markCancelled(errorMessage(res));
    // The roster may know whose ticket it is (e.g. someone on the waiting list).
    var lookup = request.ticket ? fingerprint(request.ticket) : Promise.resolve(null);
    return lookup.then(function (fp) {
      var entry = code === 'not_confirmed'
        ? rosterEntry(fp, request.registration_id) : null;
      show('error', {
        headline: errorMessage(res), name: entry ? entry.name : '',
        agency: entry ? entry.agency : '', code: code || 'http_' + res.status
      });
      signal('error');
      renderAll();
    });
  }

  function inWindow(when) {
    var session = (roster && roster.session) || {};
    var opens = Date.parse(session.checkin_opens_at || config.window.opens);
    var closes = Date.parse(session.checkin_closes_at || config.window.closes);
    var t = Date.parse(when);
    return !(t < opens || t > closes);
  }

  function checkInOffline(request, scannedAt) {
    var lookup = request.ticket ? fingerprint(request.ticket) : Promise.resolve(null);
    return lookup.then(function (fp) {
      var item = {
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
      if (!roster || !roster.entries) {
        pushQueue(item);
        if (!checkingOut) lastAction = { kind: 'queued', id: item.id, name: S.unknownPerson };
        show('unverified', { headline: S.unverified, detail: S.noRoster, offline: true });
        signal('already');
        renderAll();
        return;
      }
      var entry = rosterEntry(fp, request.registration_id);
      if (!entry) {
        show('error', { headline: S.unknownTicket, offline: true, code: 'invalid_ticket' });
        signal('error');
      } else if (entry.status !== 'confirmed') {
        show('error', {
          headline: S.notConfirmed, name: entry.name, agency: entry.agency, offline: true,
          code: 'not_confirmed'
        });
        signal('error');
      } else if (!inWindow(scannedAt)) {
        var session = roster.session || {};
        show('error', {
          headline: fill(S.sessionNotOpen, {
            opens: clock(session.checkin_opens_at || config.window.opens),
            closes: clock(session.checkin_closes_at || config.window.closes)
          }),
          name: entry.name, agency: entry.agency, offline: true, code: 'session_not_open'
        });
        signal('error');
      } else if (checkingOut) {
        if (!entry.checked_in_at) {
          show('error', {
            headline: S.notCheckedIn, name: entry.name, agency: entry.agency, offline: true,
            code: 'not_checked_in'
          });
          signal('error');
        } else {
          item.rid = entry.registration_id;
          item.name = entry.name;
          pushQueue(item);
          show('checked_out', {
            headline: fill(S.checkedOut, { time: clock(scannedAt) }),
            name: entry.name, agency: entry.agency, detail: S.savedOffline, offline: true
          });
          signal('ok');
        }
      } else if (entry.checked_in_at) {
        show('already_checked_in', {
          headline: fill(S.alreadyCheckedIn, { time: clock(entry.checked_in_at) }),
          name: entry.name, agency: entry.agency, offline: true
        });
        signal('already');
      } else {
        item.registration_id = request.registration_id || null;
        item.rid = entry.registration_id;
        item.name = entry.name;
        pushQueue(item);
        entry.checked_in_at = scannedAt;
        save(ROSTER_KEY, roster);
        lastAction = { kind: 'queued', id: item.id, registrationId: entry.registration_id, name: entry.name };
        show('checked_in', {
          headline: fill(S.checkedIn, { time: clock(scannedAt) }),
          name: entry.name, agency: entry.agency, detail: S.savedOffline, offline: true
        });
        signal('ok');
      }
      renderAll();
    });
  }

  /* ------------------------------------------------------------------ queue and roster sync */

  var syncing = null;

  function syncQueue() {
    if (syncing) return syncing;
    if (navigator.onLine === false || !queue().length) {
      renderNet();
      return Promise.resolve();
    }
    var items = queue();
    var index = 0;
    function next() {
      if (index >= items.length) return null;
      var item = items[index++];
      var body = { session_id: item.session_id, scanned_at: item.scanned_at, method: 'offline' };
      if (item.ticket) body.ticket = item.ticket;
      else body.registration_id = item.registration_id || item.rid;
      var out = item.mode === 'out';
      var url = out ? urls.checkout : urls.checkin;
      return api('POST', url, { json: body, timeout: 10000 }).then(function (res) {
        setOnline(true);
        if (res.status === 401 || res.status === 403) {
          stuck = true;
          return null; // keep the queue until someone signs in again
        }
        if (res.status >= 500 || res.status === 408 || res.status === 429) return null;
        stuck = false;
        removeFromQueue(item.id); // the server has decided, one way or the other
        var here = item.session_id === sessionId;
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
          var person = res.data.person;
          if (person.status !== 'confirmed') {
            // Checked in as of the scan, but no longer seated: not on the counter.
            noteSyncProblem(fill(S.syncNotSeatedNow, {
              name: person.name, time: clock(res.data.checked_in_at)
            }), null, 'not_seated_now');
          }
        } else {
          if (here && item.rid && !out) markRoster(item.rid, null);
          if (lastAction && lastAction.id === item.id) lastAction = null;
          // Kept on the server: the organizer sees it on the workshop's page.
          var refusal = res.data && res.data.error && res.data.error.code;
          noteSyncProblem(fill(S.syncRefused, {
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
      var error = res.data && res.data.error;
      if (error && error.code === 'workshop_cancelled') {
        markCancelled(error.message);
        renderAll();
        return;
      }
      if (!res.ok || !res.data || !res.data.entries) return;
      var fresh = res.data;
      // Scans still waiting in the queue count as checked in on this device.
      queue().forEach(function (item) {
        if (item.session_id !== sessionId || item.mode === 'out') return;
        fresh.entries.forEach(function (entry) {
          var same = item.fingerprint ? entry.fingerprint === item.fingerprint
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

  /* ------------------------------------------------------------------ undo */

  el.undo.addEventListener('click', function () {
    var action = lastAction;
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
        var code = res.data && res.data.error && res.data.error.code;
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

  /* ------------------------------------------------------------------ code field */

  // A USB/Bluetooth scanner is a keyboard that types the whole code within a few dozen
  // milliseconds and presses Enter; a person types far slower.
  var keyTimes = [];

  function looksScanned(value) {
    if (value.length < 10 || keyTimes.length < value.length) return false;
    var times = keyTimes.slice(-value.length);
    return (times[times.length - 1] - times[0]) / (times.length - 1) < 35;
  }

  el.code.addEventListener('keydown', function (event) {
    if (event.key && event.key.length === 1) keyTimes.push(window.performance.now());
  });
  el.codeForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var value = el.code.value.trim();
    var method = looksScanned(value) ? 'qr' : 'manual';
    el.code.value = '';
    keyTimes = [];
    if (value) submitTicket(value, method);
  });

  function refocus() {
    var active = document.activeElement;
    if (active === el.search || (active && active.closest && active.closest('#search-results'))) {
      return;
    }
    el.code.focus({ preventScroll: true });
  }

  // The code field keeps the focus so that a scanner's keystrokes always land in it.
  el.code.addEventListener('blur', function () {
    setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body) refocus();
    }, 0);
  });
  document.addEventListener('keydown', function (event) {
    if (document.activeElement === document.body && event.key && event.key.length === 1 &&
        !event.ctrlKey && !event.metaKey && !event.altKey) {
      el.code.focus({ preventScroll: true });
    }
  }, true);

  // No on-screen keyboard by default (it would cover the result on a phone); this button
  // brings it up for typing a code by hand.
  el.keyboard.addEventListener('click', function () {
    var typing = el.code.getAttribute('inputmode') !== 'text';
    el.code.setAttribute('inputmode', typing ? 'text' : 'none');
    el.keyboard.setAttribute('aria-pressed', typing ? 'true' : 'false');
    el.code.blur();
    el.code.focus();
  });

  /* ------------------------------------------------------------------ name search */

  var searchTimer = null;
  var searchSeq = 0;

  function searchRoster(query) {
    if (!roster || !roster.entries) return [];
    var q = query.toLowerCase();
    return roster.entries.filter(function (entry) {
      return (entry.name + ' ' + entry.agency).toLowerCase().indexOf(q) !== -1;
    }).slice(0, 20);
  }

  function statusLabel(status) {
    if (status === 'confirmed') return S.statusConfirmed;
    if (status === 'waitlisted') return S.statusWaitlisted;
    return status;
  }

  function renderResults(people, query) {
    el.searchResults.textContent = '';
    el.searchNote.textContent = query && !people.length ? S.searchNone : '';
    people.forEach(function (person) {
      var item = document.createElement('li');
      item.className = 'search-result';
      var who = document.createElement('div');
      var name = document.createElement('strong');
      name.textContent = person.name;
      var meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = [person.agency, statusLabel(person.status)].filter(Boolean).join(' · ');
      who.appendChild(name);
      who.appendChild(document.createElement('br'));
      who.appendChild(meta);
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button primary';
      button.textContent = checkingOut ? S.checkOutButton : S.checkInButton;
      button.dataset.registrationId = String(person.registration_id);
      button.addEventListener('click', function () {
        el.search.value = '';
        renderResults([], '');
        submitRegistration(person).then(refocus);
        refocus();
      });
      item.appendChild(who);
      item.appendChild(button);
      el.searchResults.appendChild(item);
    });
  }

  function runSearch() {
    var query = el.search.value.trim();
    var seq = ++searchSeq;
    if (query.length < 2) {
      renderResults([], '');
      el.searchNote.textContent = query ? S.searchShort : '';
      return Promise.resolve();
    }
    var found;
    if (navigator.onLine === false) {
      found = Promise.resolve(searchRoster(query));
    } else {
      found = api('GET', urls.attendees + '?q=' + encodeURIComponent(query)).then(function (res) {
        setOnline(true);
        return res.ok && Array.isArray(res.data) ? res.data : searchRoster(query);
      }, function (error) {
        if (!(error instanceof NetworkError)) throw error;
        setOnline(false);
        return searchRoster(query);
      });
    }
    return found.then(function (people) {
      if (seq === searchSeq) renderResults(people, query);
    });
  }

  el.search.addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });
  el.searchForm.addEventListener('submit', function (event) {
    event.preventDefault();
    clearTimeout(searchTimer);
    runSearch();
  });

  /* ------------------------------------------------------------------ camera */

  var stream = null;
  var cameraOn = false;
  var decoder = null;
  var frameTimer = null;
  var canvas = document.createElement('canvas');
  var lastCode = null;
  var lastSeen = 0;

  function cameraNote(text) { el.cameraNote.textContent = text || ''; }

  function onCameraCode(text) {
    var code = String(text).trim().toUpperCase();
    if (!code) return;
    var now = Date.now();
    if (code === lastCode && now - lastSeen < REPEAT_MS) {
      lastSeen = now; // still in front of the camera: keep ignoring it
      return;
    }
    lastCode = code;
    lastSeen = now;
    submitTicket(code, 'qr');
  }

  function readNative(detector) {
    return detector.detect(el.video).then(function (codes) {
      return codes && codes.length ? codes[0].rawValue : null;
    });
  }

  function readViaServer() {
    if (navigator.onLine === false) {
      cameraNote(S.cameraOfflineDecode);
      return Promise.resolve(null);
    }
    var width = el.video.videoWidth;
    var height = el.video.videoHeight;
    if (!width || !height) return Promise.resolve(null);
    var scale = Math.min(1, FRAME_WIDTH / width);
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext('2d').drawImage(el.video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, 'image/jpeg', 0.75);
    }).then(function (blob) {
      if (!blob) return null;
      return api('POST', urls.decode, { body: blob, contentType: 'image/jpeg', timeout: 5000 })
        .then(function (res) {
          setOnline(true);
          root.dataset.framesSent = String(Number(root.dataset.framesSent || 0) + 1);
          // Signed out or refused: slow down instead of sending frames that will be refused.
          var refused = res.status === 401 || res.status === 403;
          decoder.interval = refused ? REFUSED_FRAME_MS : SERVER_FRAME_MS;
          cameraNote(refused ? errorMessage(res) : '');
          return res.ok && res.data && res.data.text ? res.data.text : null;
        }, function (error) {
          if (!(error instanceof NetworkError)) throw error;
          setOnline(false);
          cameraNote(S.cameraOfflineDecode);
          return null;
        });
    });
  }

  function chooseDecoder() {
    var fallback = { kind: 'server', read: readViaServer, interval: SERVER_FRAME_MS };
    if (!('BarcodeDetector' in window)) return Promise.resolve(fallback);
    return Promise.resolve(window.BarcodeDetector.getSupportedFormats()).then(function (formats) {
      if (!formats || formats.indexOf('qr_code') === -1) return fallback;
      var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      return {
        kind: 'native', read: function () { return readNative(detector); },
        interval: NATIVE_FRAME_MS
      };
    }).catch(function () { return fallback; });
  }

  function scheduleFrame() {
    clearTimeout(frameTimer);
    if (cameraOn) frameTimer = setTimeout(readFrame, decoder.interval);
  }

  function readFrame() {
    if (!cameraOn) return;
    var reading = !document.hidden && el.video.readyState >= 2 ? decoder.read() : Promise.resolve(null);
    reading.then(function (text) {
      if (text && cameraOn) onCameraCode(text);
    }, function () { return null; }).then(scheduleFrame);
  }

  function setCameraButton() {
    el.cameraToggle.textContent = cameraOn ? S.cameraStop : S.cameraStart;
    root.dataset.camera = cameraOn ? 'on' : 'off';
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraNote(S.cameraInsecure);
      el.cameraToggle.hidden = true;
      root.dataset.camera = 'unavailable';
      return Promise.resolve();
    }
    return navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (media) {
      stream = media;
      el.video.srcObject = media;
      var playing = el.video.play();
      return Promise.resolve(playing).catch(function () { return null; }).then(function () {
        return decoder ? decoder : chooseDecoder();
      }).then(function (chosen) {
        decoder = chosen;
        root.dataset.decoder = decoder.kind;
        cameraOn = true;
        cameraNote('');
        setCameraButton();
        scheduleFrame();
      });
    }, function () {
      cameraNote(S.cameraFailed);
      cameraOn = false;
      setCameraButton();
    });
  }

  function stopCamera() {
    cameraOn = false;
    clearTimeout(frameTimer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    el.video.srcObject = null;
    cameraNote(S.cameraOff);
    setCameraButton();
  }

  el.cameraToggle.addEventListener('click', function () {
    if (cameraOn) stopCamera();
    else startCamera();
    refocus();
  });

  /* ------------------------------------------------------------------ offline page */

  function prepareOffline() {
    if (!('serviceWorker' in navigator) || !window.caches) return Promise.resolve();
    var controlled = Boolean(navigator.serviceWorker.controller);
    return navigator.serviceWorker.register(urls.serviceWorker, { scope: urls.scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        // Offline, this page came from the cache; controlled, the worker has just stored it.
        if (controlled || navigator.onLine === false) return null;
        // The first visit was not yet served through the worker: store the page and its
        // files now (later visits are stored by the worker as they pass through it).
        return window.caches.open(config.cacheName).then(function (cache) {
          var wanted = [window.location.pathname + window.location.search].concat(urls.assets);
          return Promise.all(wanted.map(function (url) {
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

  /* ------------------------------------------------------------------ start */

  window.checkinScanner = { sha256HexPure: sha256HexPure, fingerprint: fingerprint };

  if (roster) root.dataset.roster = roster.cancelled ? 'cancelled' : 'cached';
  show('idle', { headline: checkingOut ? S.readyOut : S.ready, detail: S.readyDetail });
  el.result.classList.remove('scan-flash');
  renderAll();
  refocus();
  startCamera();
  prepareOffline();
  if (navigator.onLine !== false) syncThenRefresh();
})();
