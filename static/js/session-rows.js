// "เพิ่มช่วงการอบรม" without a reload: copy the last session row, blank, renumbered, and move
// the focus to its first field. Without this script the button submits the form and the
// server adds the row (organizer._save_workshop), so the page works either way.
(function () {
  "use strict";
  var fieldset = document.querySelector("[data-session-rows]");
  if (!fieldset) return;
  var button = fieldset.querySelector('button[name="add_session"]');
  var status = fieldset.querySelector("[data-session-status]");
  var max = parseInt(fieldset.getAttribute("data-max"), 10) || 31;

  function rows() { return fieldset.querySelectorAll(".session-row"); }

  function renumber(element, index) {
    // WTForms names the row's fields sessions-<index>-<name>, with matching ids and labels.
    ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
      var value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, value.replace(/sessions-\d+-/g, "sessions-" + index + "-"));
    });
  }

  function blank(row, index) {
    row.querySelectorAll("*").forEach(function (element) { renumber(element, index); });
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") input.checked = false;
      else input.value = "";
      input.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".error, [data-date-echo]").forEach(function (message) { message.remove(); });
    row.querySelectorAll(".has-error").forEach(function (field) { field.classList.remove("has-error"); });
    var number = row.querySelector(".session-no");
    if (number) number.textContent = String(index + 1);
  }

  function update() {
    if (rows().length >= max) button.hidden = true;
  }

  button.addEventListener("click", function (event) {
    var all = rows();
    if (!all.length || all.length >= max) return;  // let the server say so
    event.preventDefault();
    var last = all[all.length - 1];
    var row = last.cloneNode(true);
    blank(row, all.length);
    last.parentNode.insertBefore(row, last.nextSibling);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    if (status) status.textContent = (button.getAttribute("data-added") || "").replace("{n}", String(all.length + 1));
    update();
  });
  update();
})();
