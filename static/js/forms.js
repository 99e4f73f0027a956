/*
 * Forms, progressively enhanced (every form works without this):
 * - the error summary of a failed submit takes focus, and its links move focus to their field;
 * - a date field shows how the date typed so far is read (BE or CE, Thai digits), asking the
 *   server (/forms/date-preview) so that the note and the saved date never differ.
 */
(function () {
  'use strict';

  var summary = document.querySelector('[data-error-summary]');
  if (summary) {
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link) { return; }
      var target = document.getElementById(link.getAttribute('href').slice(1));
      if (!target) { return; }
      event.preventDefault();
      target.scrollIntoView({block: 'center'});
      target.focus();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[data-thai-date]'), function (input) {
    var output = document.getElementById(input.getAttribute('data-thai-date'));
    if (!output) { return; }
    output.setAttribute('aria-live', 'polite');
    var timer = null;
    var asked = 0;
    function update() {
      var text = input.value.trim();
      var mine = ++asked;
      if (!text) { output.textContent = ''; return; }
      fetch('/forms/date-preview?text=' + encodeURIComponent(text), {credentials: 'same-origin'})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (body && mine === asked) { output.textContent = body.text; }
        })
        .catch(function () { /* offline: the form still checks the date on submit */ });
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
  });
})();
