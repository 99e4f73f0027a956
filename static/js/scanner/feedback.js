/* What the door sees and hears: the result panel (green, amber, red), tones and vibration,
 * and how times and dates are written (Bangkok wall clock; the Buddhist-Era year in Thai).
 */

export function fill(template, values) {
  return String(template).replace(/\{(\w+)\}/g, function (match, key) {
    return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
  });
}

function pad2(n) { return (n < 10 ? '0' : '') + n; }

// Bangkok is UTC+7 all year (no daylight saving).
function bangkok(iso) {
  const t = Date.parse(iso);
  return isNaN(t) ? null : new Date(t + 7 * 3600 * 1000);
}

/* Wall-clock time of an ISO instant, e.g. "09.05 น." (the page's S.time template). */
export function clock(iso, S) {
  const local = bangkok(iso);
  if (!local) return '';
  return fill(S.time, { hh: pad2(local.getUTCHours()), mm: pad2(local.getUTCMinutes()) });
}

/* Date and time, as the server's short style writes them: "4 ธ.ค. 69 09.05 น." in Thai. */
export function dateTime(iso, S, dates) {
  const local = bangkok(iso);
  if (!local) return '';
  const year = local.getUTCFullYear() + dates.yearOffset;
  const written = dates.shortYear ? pad2(year % 100) : String(year);
  return local.getUTCDate() + ' ' + dates.months[local.getUTCMonth()] + ' ' + written + ' ' +
    clock(iso, S);
}

// Words the browser's Thai dictionary (ICU, in Chromium and Safari) does not know and would
// break inside at a line end: เช็กอิน, the Royal Institute spelling, came out as เช็|กอิน in
// the big result text. Each is kept in one unbreakable span; the text itself is unchanged.
const UNBREAKABLE = /(เช็กอิน)/;

export function setText(node, text) {
  node.textContent = '';
  String(text || '').split(UNBREAKABLE).forEach(function (part, i) {
    if (!part) return;
    if (i % 2) {
      const span = document.createElement('span');
      span.className = 'nowrap';
      span.textContent = part;
      node.appendChild(span);
    } else {
      node.appendChild(document.createTextNode(part));
    }
  });
}

const BUSY_DELAY_MS = 250;

const TONES = {
  ok: { type: 'sine', notes: [[1046, 0, 0.18]] },
  already: { type: 'triangle', notes: [[660, 0, 0.1], [660, 0.16, 0.1]] },
  error: { type: 'square', notes: [[196, 0, 0.5]] }
};
const BUZZ = { ok: [80], already: [60, 80, 60], error: [300, 100, 300] };

/* The result panel ({result, headline, name, agency, detail} elements) and the signals. */
export function createFeedback(el, S) {
  let busyTimer = null;
  let audio = null;

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

  // Browsers start sound only after a gesture: the first tap or key press unlocks it.
  function unlockAudio() {
    try {
      if (!audio) {
        const Context = window.AudioContext || window.webkitAudioContext;
        if (Context) audio = new Context();
      }
      if (audio && audio.state === 'suspended') audio.resume();
    } catch (e) { audio = null; }
  }
  document.addEventListener('pointerdown', unlockAudio, true);
  document.addEventListener('keydown', unlockAudio, true);

  function signal(kind) {
    try {
      if (audio && audio.state === 'running') {
        const tone = TONES[kind];
        const start = audio.currentTime + 0.01;
        tone.notes.forEach(function (note) {
          const oscillator = audio.createOscillator();
          const gain = audio.createGain();
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

  return { show: show, showBusy: showBusy, signal: signal };
}
