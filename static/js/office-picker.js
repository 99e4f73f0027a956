// The office pick list on the sign-up, profile and walk-in forms, made searchable: a box
// above the list hides the offices whose names do not contain what is typed, and the
// agency name field hides while an office of the list is picked. Without this script both fields
// show and work as they are.
(function () {
  "use strict";
  document.querySelectorAll("[data-office-picker]").forEach(function (picker) {
    var select = picker.querySelector("select");
    var typed = picker.querySelector("input[type=text], input:not([type])");
    if (!select || !typed) return;
    var other = picker.getAttribute("data-other");
    var typedField = typed.closest(".field");

    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "office-filter";
    filter.setAttribute("aria-label", picker.getAttribute("data-filter-label") || "");
    filter.placeholder = picker.getAttribute("data-filter-label") || "";
    select.parentNode.insertBefore(filter, select);

    function showTyped() {
      // Typed name needed unless an office of the list is picked.
      var needed = select.value === other || select.value === "";
      if (typedField) typedField.hidden = !needed;
    }
    filter.addEventListener("input", function () {
      var words = filter.value.trim();
      var matches = [];
      Array.prototype.forEach.call(select.options, function (option) {
        var office = option.value && option.value !== other;
        var keep = !office || option.text.indexOf(words) !== -1;
        option.hidden = !keep;
        if (keep && office) matches.push(option);
      });
      var picked = select.selectedOptions[0];
      // One office left: pick it; the picked one filtered away: back to the prompt.
      if (words && matches.length === 1) {
        select.value = matches[0].value;
      } else if (picked && picked.hidden) {
        select.value = "";
      }
      showTyped();
    });
    select.addEventListener("change", showTyped);
    showTyped();
  });
})();
