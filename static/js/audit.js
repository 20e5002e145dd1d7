// The ownership audit: team sections load by themselves (hx-trigger="load"); once none is
// pending any more, ask for the combined part (matrix, chart, table). No inline script (CSP).
(function () {
  "use strict";

  var PENDING = "[data-audit-pending]";
  var announced = false;

  function announceWhenComplete() {
    if (announced || document.querySelector(PENDING)) return;
    var combined = document.getElementById("audit-combined");
    if (!combined || !combined.hasAttribute("hx-get") || !window.htmx) return;
    announced = true;
    window.htmx.trigger(document.body, "audit-teams-loaded");
  }

  // A section whose request failed outright (network, server error) says so and stops
  // waiting, so the rest of the page still completes.
  function giveUp(section, why) {
    if (!section || !section.hasAttribute("data-audit-pending")) return;
    section.removeAttribute("data-audit-pending");
    var note = section.querySelector(".loading") || section;
    note.textContent = "This team could not be loaded (" + why + "). Use Refresh to try again.";
    note.classList.add("audit-load-failed");
    announceWhenComplete();
  }

  document.addEventListener("htmx:afterSettle", announceWhenComplete);
  document.addEventListener("htmx:responseError", function (evt) {
    giveUp(evt.detail.elt.closest(PENDING), "error " + evt.detail.xhr.status);
  });
  document.addEventListener("htmx:sendError", function (evt) {
    giveUp(evt.detail.elt.closest(PENDING), "no answer");
  });
  document.addEventListener("htmx:timeout", function (evt) {
    giveUp(evt.detail.elt.closest(PENDING), "timed out");
  });
  window.Dashboard.onReady(announceWhenComplete);
})();
