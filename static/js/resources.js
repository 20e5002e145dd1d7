// Resource lists: pause and resume the table's self-refresh (htmx polling) while jobs run.
// The server stops the refresh by itself once every job on the page is final.
(function () {
  "use strict";

  var paused = false;

  function label(button) {
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    button.textContent = paused ? "Resume updates" : "Pause updates";
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-poll-toggle]");
    if (!button) return;
    paused = !paused;
    label(button);
  });

  // While paused, the polled table sends nothing; the next tick after resuming refreshes it.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var source = evt.detail && evt.detail.elt;
    if (paused && source && source.hasAttribute("data-polling")) evt.preventDefault();
  });
})();
