/* Name search, for people without their QR: the server's attendee search online, the roster
 * on the device offline. Each person found says whether and when they already checked in to
 * this session (the server's record, or this device's if it knows more, e.g. a scan still
 * queued).
 */

import { NetworkError } from './api.js';
import { dateTime } from './feedback.js';
import { findEntry } from './queue.js';

const SEARCH_DELAY_MS = 250;

/* A USB/Bluetooth scanner is a keyboard that types the whole code within a few dozen
   milliseconds and presses Enter; a person types far slower. Watches one input's keys. */
export function keyBurst(input) {
  let times = [];
  input.addEventListener('keydown', function (event) {
    if (event.key && event.key.length === 1) times.push(window.performance.now());
  });
  return {
    scanned: function (value) {
      if (value.length < 10 || times.length < value.length) return false;
      const recent = times.slice(-value.length);
      return (recent[recent.length - 1] - recent[0]) / (recent.length - 1) < 35;
    },
    reset: function () { times = []; }
  };
}

/* options: {el, config, client, getRoster, setOnline, onPick(person), onTicket(code)} */
export function createSearch(options) {
  const el = options.el;
  const config = options.config;
  const S = config.strings;
  const checkingOut = config.mode === 'out';
  const burst = keyBurst(el.search);
  let searchTimer = null;
  let searchSeq = 0;

  function searchRoster(query) {
    const roster = options.getRoster();
    if (!roster || !roster.entries) return [];
    const q = query.toLowerCase();
    return roster.entries.filter(function (entry) {
      return (entry.name + ' ' + entry.agency).toLowerCase().indexOf(q) !== -1;
    }).slice(0, 20);
  }

  function statusLabel(status) {
    if (status === 'confirmed') return S.statusConfirmed;
    if (status === 'waitlisted') return S.statusWaitlisted;
    return status;
  }

  /* When the person checked in here: the server's answer, else what this device knows. */
  function checkedInAt(person) {
    if (person.checked_in_at) return person.checked_in_at;
    const entry = findEntry(options.getRoster(), null, person.registration_id);
    return entry ? entry.checked_in_at : null;
  }

  function render(people, query) {
    el.searchResults.textContent = '';
    el.searchNote.textContent = query && !people.length ? S.searchNone : '';
    people.forEach(function (person) {
      const item = document.createElement('li');
      item.className = 'search-result';
      const who = document.createElement('div');
      const name = document.createElement('strong');
      name.textContent = person.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = [person.agency, statusLabel(person.status)].filter(Boolean).join(' · ');
      const when = checkedInAt(person);
      const state = document.createElement('span');
      state.className = when ? 'search-checked-in' : 'search-not-yet';
      state.textContent = when
        ? S.checkedIn.replace('{time}', dateTime(when, S, config.dates)) : S.notCheckedInYet;
      item.dataset.checkedIn = when || '';
      who.appendChild(name);
      who.appendChild(document.createElement('br'));
      who.appendChild(meta);
      who.appendChild(document.createElement('br'));
      who.appendChild(state);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = when && !checkingOut ? 'button' : 'button primary';
      button.textContent = checkingOut ? S.checkOutButton : S.checkInButton;
      button.dataset.registrationId = String(person.registration_id);
      button.addEventListener('click', function () {
        el.search.value = '';
        render([], '');
        options.onPick(person);
      });
      item.appendChild(who);
      item.appendChild(button);
      el.searchResults.appendChild(item);
    });
  }

  function run() {
    const query = el.search.value.trim();
    const seq = ++searchSeq;
    if (query.length < 2) {
      render([], '');
      el.searchNote.textContent = query ? S.searchShort : '';
      return Promise.resolve();
    }
    let found;
    if (navigator.onLine === false) {
      found = Promise.resolve(searchRoster(query));
    } else {
      const url = config.urls.attendees + '?q=' + encodeURIComponent(query) +
        '&session_id=' + config.sessionId;
      found = options.client.api('GET', url).then(function (res) {
        options.setOnline(true);
        return res.ok && Array.isArray(res.data) ? res.data : searchRoster(query);
      }, function (error) {
        if (!(error instanceof NetworkError)) throw error;
        options.setOnline(false);
        return searchRoster(query);
      });
    }
    return found.then(function (people) {
      if (seq === searchSeq) render(people, query);
    });
  }

  el.search.addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(run, SEARCH_DELAY_MS);
  });
  el.searchForm.addEventListener('submit', function (event) {
    event.preventDefault();
    clearTimeout(searchTimer);
    const value = el.search.value.trim();
    // The search has the focus after a ticket was not found, and the next person's ticket
    // may come from a hardware scanner: a scanner's burst is a ticket, not a name.
    if (burst.scanned(value)) {
      burst.reset();
      el.search.value = '';
      render([], '');
      options.onTicket(value);
      return;
    }
    burst.reset();
    run();
  });

  /* Send the door to the name search (after a ticket was not found). */
  function focus() {
    el.search.focus({ preventScroll: false });
  }

  return { run: run, focus: focus };
}
