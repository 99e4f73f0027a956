/* Service worker for the door scanner (served as /checkin/sw.js, scope /checkin/).
 *
 * Network first, the cache only when the network fails: the scanner pages, the static files
 * they use and the session roster. Everything else (the API calls that change data, other
 * pages) passes through untouched.
 *
 * On install it stores the scanner's files (PRECACHE): its ES modules and the BarcodeDetector
 * polyfill with its wasm, so that a browser without a native BarcodeDetector still reads QR
 * codes from the camera offline, even if it never needed the polyfill while online.
 */
'use strict';

var CACHE = 'workshop-checkin-v2'; // workshop.web.checkin.CACHE_NAME
var SCOPE = new URL(self.registration.scope);
var BASE = SCOPE.pathname.replace(/checkin\/$/, ''); // where the app is mounted, e.g. "/"
var ROSTER = new RegExp('^' + BASE + 'api/v1/workshops/\\d+/roster$');

// Under static/, as workshop.web.checkin.SCANNER_ASSETS lists them (a test keeps them equal).
var PRECACHE = [
  'js/scanner.js',
  'js/scanner/api.js',
  'js/scanner/camera.js',
  'js/scanner/feedback.js',
  'js/scanner/queue.js',
  'js/scanner/search.js',
  'vendor/barcode-detector/ponyfill.js',
  'vendor/barcode-detector/zxing-exported.js',
  'vendor/barcode-detector/zxing_reader.wasm',
  'css/app.css',
  'css/checkin.css'
];

self.addEventListener('install', function (event) {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(PRECACHE.map(function (path) {
      // One file that cannot be fetched now must not keep the worker out: the page stores
      // what is missing later (scanner.js, prepareOffline).
      return cache.add(BASE + 'static/' + path).catch(function () { return null; });
    }));
  }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf('workshop-checkin-') === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kept(request, url) {
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  if (request.mode === 'navigate') return url.pathname.indexOf(SCOPE.pathname) === 0;
  return url.pathname.indexOf(BASE + 'static/') === 0 || ROSTER.test(url.pathname);
}

function networkFirst(event) {
  var request = event.request;
  return caches.open(CACHE).then(function (cache) {
    function cachedOr(fallback) {
      return cache.match(request, { ignoreVary: true }).then(function (cached) {
        return cached || fallback;
      });
    }
    return fetch(request).then(function (response) {
      if (response.ok && !response.redirected && response.type === 'basic') {
        event.waitUntil(cache.put(request, response.clone()));
        return response;
      }
      if (response.status >= 500) return cachedOr(response); // the server is down: keep going
      if (request.mode === 'navigate') {
        event.waitUntil(cache.delete(request)); // signed out, not allowed, gone: forget the copy
      }
      return response;
    }, function (error) {
      return cachedOr(null).then(function (cached) {
        if (cached) return cached;
        throw error;
      });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var url = new URL(event.request.url);
  if (kept(event.request, url)) event.respondWith(networkFirst(event));
});
