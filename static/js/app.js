// Small progressive enhancements; every page works without them.
//
// 1. Keyboard shortcut: press "l" anywhere outside a text field to log a touch-point (on a
//    stakeholder's page, for that stakeholder). The top bar's "Log" button shows the hint.
// 2. Group logging: ticking a typeahead match moves it into the chosen attendees.
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (e.key !== "l" && e.key !== "L") return;
    if (typing(document.activeElement)) return;
    var link = document.querySelector("[data-shortcut='l']");
    if (!link) return;
    var href = link.getAttribute("href");
    var m = window.location.pathname.match(/^\/stakeholders\/([0-9a-f-]{36})$/);
    if (m) href = "/touchpoints/new?stakeholder_id=" + m[1];
    e.preventDefault();
    window.location.assign(href);
  });

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box || box.type !== "checkbox" || box.name !== "stakeholder_ids") return;
    var results = box.closest("[data-chips]");
    if (!results || !box.checked) return;
    var chips = document.getElementById(results.getAttribute("data-chips"));
    if (!chips) return;
    var exists = chips.querySelector("input[value='" + box.value + "']");
    var label = box.closest("label");
    if (exists) {
      if (label) label.remove();
    } else if (label) {
      label.className = "chip";
      chips.appendChild(label);
    }
    var search = document.getElementById("attendee-search");
    if (search) {
      search.value = "";
      search.focus();
    }
    results.innerHTML = "";
  });
})();
