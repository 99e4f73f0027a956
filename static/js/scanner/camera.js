/* The rear camera and the QR decoder that reads its frames.
 *
 * Decoders, the first that works: the browser's own BarcodeDetector ('native'); else the
 * vendored barcode-detector polyfill, ZXing-C++ as wasm served by this app and kept by the
 * service worker, so it also reads offline ('polyfill', imported only where there is no
 * native detector); else frames sent to POST /api/v1/checkins/decode ('server', online only).
 * The decoder used is shown as data-decoder on the scanner root.
 */

import { NetworkError } from './api.js';

const REPEAT_MS = 3000; // the same code is ignored this long after it was last seen
const SERVER_FRAME_MS = 300; // pause between frames sent for decoding (one in flight)
const LOCAL_FRAME_MS = 150;
const REFUSED_FRAME_MS = 5000;
const FRAME_WIDTH = 640;
const POLYFILL_TIMEOUT_MS = 20000;

/* options: {root, el: {video, cameraNote, cameraToggle}, config, client, setOnline, onCode} */
export function createCamera(options) {
  const root = options.root;
  const el = options.el;
  const S = options.config.strings;
  const urls = options.config.urls;
  const client = options.client;

  let stream = null;
  let cameraOn = false;
  let decoder = null;
  let frameTimer = null;
  const canvas = document.createElement('canvas');
  let lastCode = null;
  let lastSeen = 0;

  function cameraNote(text) { el.cameraNote.textContent = text || ''; }

  function onCameraCode(text) {
    const code = String(text).trim().toUpperCase();
    if (!code) return;
    const now = Date.now();
    if (code === lastCode && now - lastSeen < REPEAT_MS) {
      lastSeen = now; // still in front of the camera: keep ignoring it
      return;
    }
    lastCode = code;
    lastSeen = now;
    options.onCode(code);
  }

  /* A check-in of this code has just been answered: it counts as seen from now. */
  function seen(ticket) {
    if (ticket && String(ticket).trim().toUpperCase() === lastCode) lastSeen = Date.now();
  }

  function reader(detector) {
    return function () {
      return detector.detect(el.video).then(function (codes) {
        return codes && codes.length ? codes[0].rawValue : null;
      });
    };
  }

  function readViaServer() {
    if (navigator.onLine === false) {
      cameraNote(S.cameraOfflineDecode);
      return Promise.resolve(null);
    }
    const width = el.video.videoWidth;
    const height = el.video.videoHeight;
    if (!width || !height) return Promise.resolve(null);
    const scale = Math.min(1, FRAME_WIDTH / width);
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext('2d').drawImage(el.video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, 'image/jpeg', 0.75);
    }).then(function (blob) {
      if (!blob) return null;
      return client.api('POST', urls.decode, { body: blob, contentType: 'image/jpeg', timeout: 5000 })
        .then(function (res) {
          options.setOnline(true);
          root.dataset.framesSent = String(Number(root.dataset.framesSent || 0) + 1);
          // Signed out or refused: slow down instead of sending frames that will be refused.
          const refused = res.status === 401 || res.status === 403;
          decoder.interval = refused ? REFUSED_FRAME_MS : SERVER_FRAME_MS;
          cameraNote(refused ? client.errorMessage(res) : '');
          return res.ok && res.data && res.data.text ? res.data.text : null;
        }, function (error) {
          if (!(error instanceof NetworkError)) throw error;
          options.setOnline(false);
          cameraNote(S.cameraOfflineDecode);
          return null;
        });
    });
  }

  /* A detector for QR codes from this BarcodeDetector class, or null if it reads none. */
  function qrDetector(Detector) {
    return Promise.resolve(Detector.getSupportedFormats()).then(function (formats) {
      if (!formats || formats.indexOf('qr_code') === -1) return null;
      return new Detector({ formats: ['qr_code'] });
    });
  }

  function nativeDetector() {
    if (!('BarcodeDetector' in window)) return Promise.resolve(null);
    return qrDetector(window.BarcodeDetector).catch(function () { return null; });
  }

  /* The polyfill's detector, its wasm fetched from this app (from the service worker's cache
     when offline) and compiled now, so that a failure falls back to the server at once. */
  function polyfillDetector() {
    const loading = import(urls.polyfill).then(function (polyfill) {
      return polyfill.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? urls.polyfillWasm : prefix + path;
          }
        },
        fireImmediately: true
      }).then(function () { return qrDetector(polyfill.BarcodeDetector); });
    });
    const timeout = new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error('polyfill timed out')); }, POLYFILL_TIMEOUT_MS);
    });
    return Promise.race([loading, timeout]).catch(function (error) {
      if (window.console) window.console.warn('barcode-detector polyfill unavailable', error);
      return null;
    });
  }

  function chooseDecoder() {
    return nativeDetector().then(function (native) {
      if (native) return { kind: 'native', read: reader(native), interval: LOCAL_FRAME_MS };
      return polyfillDetector().then(function (polyfill) {
        if (polyfill) return { kind: 'polyfill', read: reader(polyfill), interval: LOCAL_FRAME_MS };
        return { kind: 'server', read: readViaServer, interval: SERVER_FRAME_MS };
      });
    });
  }

  function scheduleFrame() {
    clearTimeout(frameTimer);
    if (cameraOn) frameTimer = setTimeout(readFrame, decoder.interval);
  }

  function readFrame() {
    if (!cameraOn) return;
    const ready = !document.hidden && el.video.readyState >= 2;
    const reading = ready ? decoder.read() : Promise.resolve(null);
    reading.then(function (text) {
      if (ready) root.dataset.framesRead = String(Number(root.dataset.framesRead || 0) + 1);
      if (text && cameraOn) onCameraCode(text);
    }, function () { return null; }).then(scheduleFrame);
  }

  function setCameraButton() {
    el.cameraToggle.textContent = cameraOn ? S.cameraStop : S.cameraStart;
    root.dataset.camera = cameraOn ? 'on' : 'off';
  }

  function start() {
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
      const playing = el.video.play();
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

  function stop() {
    cameraOn = false;
    clearTimeout(frameTimer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    el.video.srcObject = null;
    cameraNote(S.cameraOff);
    setCameraButton();
  }

  el.cameraToggle.addEventListener('click', function () {
    if (cameraOn) stop();
    else start();
  });

  return { start: start, stop: stop, seen: seen };
}
