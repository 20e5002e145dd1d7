// Small progressive enhancements. No inline scripts anywhere (strict CSP), no eval.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function enhance(root) {
    // Team switcher and filter selects submit on change; the button stays for no-JS use.
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      if (select.dataset.bound) return;
      select.dataset.bound = "1";
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    // Copy buttons: <button data-copy-target="#id">.
    root.querySelectorAll("[data-copy-target]").forEach(function (btn) {
      if (btn.dataset.bound) return;
      btn.dataset.bound = "1";
      btn.addEventListener("click", function () {
        var target = document.querySelector(btn.dataset.copyTarget);
        if (!target) return;
        var text = target.innerText;
        var done = function () { var old = btn.textContent; btn.textContent = "Copied"; setTimeout(function () { btn.textContent = old; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done);
        else {
          var range = document.createRange(); range.selectNodeContents(target);
          var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
          try { document.execCommand("copy"); done(); } catch (e) { /* selection stays for manual copy */ }
        }
      });
    });
  }

  window.Dashboard = { enhance: enhance, onReady: onReady };
  onReady(function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { enhance(evt.target); });
})();
