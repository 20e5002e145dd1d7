// Small progressive enhancements. No inline scripts anywhere (strict CSP), no eval.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Whether a box scrolls is known once it is laid out, and changes with the window and with
  // what it holds: each box and its content are looked at whenever their size changes, after
  // layout (so looking forces none), and the box is a Tab stop only while it scrolls (one that
  // already was, in the page, is left alone; one that has the focus keeps it until left).
  var SCROLL_BOXES = ".table-wrap, pre, .audit-chart";
  function reachableIfScrolling(box) {
    var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.scrollStop = "1";
    } else if (!scrolls && box.dataset.scrollStop) {
      if (box === document.activeElement) {
        box.addEventListener("blur", function () { reachableIfScrolling(box); }, { once: true });
        return;
      }
      box.removeAttribute("tabindex");
      delete box.dataset.scrollStop;
    }
  }
  var scrollers = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var box = entry.target.closest(SCROLL_BOXES);
      if (box) reachableIfScrolling(box);
    });
  }) : null;
  // Every box in the page is watched afresh after each swap, so that boxes swapped out of it
  // (a list polled every few seconds replaces its table) are not kept.
  function watchAll() {
    scrollers.disconnect();
    document.querySelectorAll(SCROLL_BOXES).forEach(function (box) {
      scrollers.observe(box);
      if (box.firstElementChild) scrollers.observe(box.firstElementChild);
    });
  }

  function enhance(root) {
    // Team switcher and filter selects submit on change; the button stays for no-JS use.
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      if (select.dataset.bound) return;
      select.dataset.bound = "1";
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    // "Tick all" in a table's header: <input type="checkbox" data-check-all="<name>" hidden>
    // ticks or unticks the table's checkboxes of that name (shown only where this runs).
    root.querySelectorAll("input[data-check-all]").forEach(function (all) {
      if (all.dataset.bound) return;
      all.dataset.bound = "1";
      all.hidden = false;
      var boxes = function () {
        return all.closest("table").querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]');
      };
      var sync = function () {
        var list = Array.prototype.slice.call(boxes());
        all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
      };
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
      });
      all.closest("table").addEventListener("change", function (evt) {
        if (evt.target !== all) sync();
      });
      sync();
    });
    // A table or code block wider than its box scrolls: keyboard users reach it with Tab.
    if (scrollers) watchAll();
    else root.querySelectorAll(SCROLL_BOXES).forEach(reachableIfScrolling);
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

  // Copy buttons holding their text: <button class="copy-btn" data-copy="…">. CSS shows them
  // only under html.js, as they need this script; one listener serves rows htmx swaps in.
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("button[data-copy]");
    if (!btn) return;
    var text = btn.dataset.copy;
    var done = function () {
      btn.classList.add("copied");
      setTimeout(function () { btn.classList.remove("copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { /* no permission: nothing copied */ });
    } else {
      var box = document.createElement("textarea");
      box.value = text; box.setAttribute("readonly", ""); box.className = "visually-hidden";
      document.body.appendChild(box); box.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* the title still shows it */ }
      box.remove();
    }
  });

  window.Dashboard = { enhance: enhance, onReady: onReady };
  onReady(function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { enhance(evt.target); });
})();
