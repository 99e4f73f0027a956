/*
 * Signing out on a shared door device forgets what the check-in page kept for offline use:
 * session rosters (names and agencies) in localStorage and the cached scanner pages. Scans still
 * waiting to be sent are kept: losing them would lose people's attendance.
 */
(function () {
  'use strict';

  function forgetRosters() {
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key && (key.indexOf('workshop-checkin-roster:') === 0 ||
                    key.indexOf('workshop-checkin-counts:') === 0)) {
          window.localStorage.removeItem(key);
        }
      }
    } catch (e) { /* storage disabled: nothing was kept */ }
  }

  // The menu's sign-out, and "sign out everywhere" (which signs this device out too).
  Array.prototype.forEach.call(document.querySelectorAll('form[data-signout]'), function (form) {
    var cacheName = form.getAttribute('data-checkin-cache');
    form.addEventListener('submit', function (event) {
      forgetRosters();
      if (!cacheName || !window.caches) { return; }
      event.preventDefault();
      var done = false;
      function submit() { if (!done) { done = true; form.submit(); } }
      window.caches.delete(cacheName).then(submit, submit);
      window.setTimeout(submit, 1500);  // never keep someone from signing out
    });
  });
}());
