// The ownership audit: the combined part loads as the page opens (hx-trigger="load") and brings
// every team's section with it (out of band). If that one request fails outright (network,
// server error), the sections still waiting and the combined part say so instead of spinning
// for ever. No inline script (CSP).
(function () {
  "use strict";

  function giveUp(why) {
    document.querySelectorAll("[data-audit-pending]").forEach(function (section) {
      section.removeAttribute("data-audit-pending");
      var note = section.querySelector(".loading") || section;
      note.textContent = "This team could not be loaded (" + why + "). Use Refresh to try again.";
      note.classList.add("audit-load-failed");
    });
    var waiting = document.querySelector('[data-testid="audit-combined-waiting"]');
    if (waiting) {
      waiting.textContent = "The audit could not be loaded (" + why + "). Use Refresh to try again.";
      waiting.classList.add("audit-load-failed");
    }
  }

  function onFailure(why) {
    return function (evt) {
      if (evt.detail.elt && evt.detail.elt.id === "audit-combined") giveUp(why(evt));
    };
  }

  document.addEventListener("htmx:responseError", onFailure(function (evt) {
    return "error " + evt.detail.xhr.status;
  }));
  document.addEventListener("htmx:sendError", onFailure(function () { return "no answer"; }));
  document.addEventListener("htmx:timeout", onFailure(function () { return "timed out"; }));
})();
