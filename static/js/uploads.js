// The upload page: drop or pick files, check them, then send each one as its own request with
// its own progress bar and cancel button. Without this script the form posts all files at once
// and the server shows the results; the server repeats every check made here.
(function () {
  "use strict";

  var UNITS = ["KB", "MB", "GB", "TB", "PB"];
  // JSON Lines files up to this size are read here and checked line by line before the click,
  // with the server's rules (dashboard/uploads/checks.py); larger ones are checked as they are sent.
  var READ_HERE_MAX_BYTES = 20 * 1024 * 1024;
  var MAX_LINE_BYTES = 16 * 1024 * 1024;
  var REPORTED_LINE_PROBLEMS = 5;
  var PENDING = ["ready", "blocked", "checking"]; // chosen, not sent yet

  // The same wording as Django's filesizeformat, so sizes read alike before and after.
  function sizeText(bytes) {
    if (bytes < 1024) return bytes === 1 ? "1 byte" : bytes + " bytes";
    var value = bytes;
    var unit = -1;
    do { value /= 1024; unit += 1; } while (value >= 1024 && unit < UNITS.length - 1);
    return value.toFixed(1) + " " + UNITS[unit];
  }

  // The extension, lower-cased, as the server reads it ("" when there is none).
  function fileType(name) {
    var dot = name.lastIndexOf(".");
    if (dot <= 0 || dot === name.length - 1) return "";
    return name.slice(dot + 1).toLowerCase();
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function jsonKind(value) {
    if (Array.isArray(value)) return "list";
    if (typeof value === "string") return "string";
    if (typeof value === "number") return "number";
    return "true/false/null value";
  }

  // The problems of a JSON Lines file's bytes, worded as the server words them: every line one
  // JSON object in UTF-8 (no byte-order mark), blank lines allowed only at the end.
  function jsonLinesProblems(bytes) {
    var problems = [];
    var unlisted = 0;
    var note = function (text) {
      if (problems.length < REPORTED_LINE_PROBLEMS) problems.push(text); else unlisted += 1;
    };
    var decoder = new TextDecoder("utf-8", { fatal: true });
    var blanks = [];
    var contentLines = 0;
    var start = 0;
    var lineNo = 0;
    while (start <= bytes.length) {
      var end = bytes.indexOf(10, start);
      if (end === -1) end = bytes.length;
      var line = bytes.subarray(start, end);
      start = end + 1;
      lineNo += 1;
      if (end === bytes.length && line.length === 0) break; // after the last line break
      if (line.length > MAX_LINE_BYTES) {
        note("Line " + lineNo + " is longer than " + sizeText(MAX_LINE_BYTES) + ", more than the " +
          "dashboard checks in one line. Split the example, or check that lines end with a line break.");
        continue;
      }
      var text;
      try {
        text = decoder.decode(line);
      } catch (err) {
        text = null;
      }
      if (text !== null && /^\s*$/.test(text)) { blanks.push(lineNo); continue; }
      blanks.forEach(function (blank) {
        note("Line " + blank + " is blank; every line must hold one JSON object.");
      });
      blanks = [];
      contentLines += 1;
      if (lineNo === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) {
        note("Line 1 starts with an invisible byte-order mark (BOM). Save the file as UTF-8 without BOM.");
        continue;
      }
      if (text === null) {
        note("Line " + lineNo + " is not valid UTF-8 text. Save the file as UTF-8.");
        continue;
      }
      var value;
      try {
        value = JSON.parse(text);
      } catch (err) {
        note("Line " + lineNo + " is not valid JSON.");
        continue;
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        note("Line " + lineNo + " holds a JSON " + jsonKind(value) + ", not an object; every line " +
          "must be one {…} object.");
      }
    }
    if (contentLines === 0 && !problems.length) problems.push("This file has no lines with content; it is blank.");
    if (unlisted) problems.push("…and " + unlisted + " more problem" + (unlisted === 1 ? "" : "s") + " of this kind.");
    return problems;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function setup(form) {
    var input = form.querySelector("input[type=file][name=files]");
    var zone = form.querySelector("[data-drop-zone]");
    var list = document.getElementById("upload-list");
    var summary = document.getElementById("upload-summary");
    var submit = form.querySelector("[data-upload-submit]");
    var maxBytes = Number(form.dataset.maxBytes);
    var items = [];
    var running = false;

    // The script keeps its own list of chosen files (drops cannot be added to the input).
    input.removeAttribute("required");
    zone.querySelector("[data-drop-hint]").hidden = false; // dropping needs this script

    function purpose() {
      return form.querySelector("input[name=purpose]:checked");
    }

    function problemFor(item) {
      var file = item.file;
      if (file.size === 0) return "This file is empty (0 bytes), so there is nothing to send.";
      if (file.size > maxBytes) {
        return "This file is " + sizeText(file.size) + ", over the limit of " + sizeText(maxBytes) + " per file.";
      }
      var chosen = purpose();
      if (!chosen) return item.lineProblems.join(" ");
      var type = fileType(file.name);
      if (chosen.dataset.types.split(" ").indexOf(type) === -1) {
        var found = type ? "a ." + type + " file" : "a file without an extension";
        return "For " + chosen.dataset.label.toLowerCase() + ", a file must be one of: " +
          chosen.dataset.typesText + ". This is " + found + ".";
      }
      return item.lineProblems.join(" ");
    }

    // Reads a small JSON Lines file here and keeps its problems; ``item.checked`` settles once done.
    function checkLines(item) {
      item.lineProblems = [];
      var file = item.file;
      if (fileType(file.name) !== "jsonl" || file.size === 0 || file.size > READ_HERE_MAX_BYTES ||
          !window.TextDecoder || !file.arrayBuffer) {
        item.checked = Promise.resolve();
        return;
      }
      setState(item, "checking", "Checking…", "", "Checking every line…");
      item.checked = file.arrayBuffer().then(function (buffer) {
        item.lineProblems = jsonLinesProblems(new Uint8Array(buffer));
      }, function () {
        item.lineProblems = []; // unreadable here: the server checks it as it arrives
      }).then(function () {
        if (item.state === "checking") item.state = "ready";
        refreshChecks();
      });
    }

    function setState(item, state, badgeText, badgeClass, note) {
      item.state = state;
      item.row.dataset.state = state;
      item.badge.textContent = badgeText;
      item.badge.className = "badge" + (badgeClass ? " " + badgeClass : "");
      if (note !== undefined) item.note.textContent = note;
    }

    function refreshChecks() {
      items.forEach(function (item) {
        if (item.state !== "ready" && item.state !== "blocked") return;
        var problem = problemFor(item);
        if (problem) setState(item, "blocked", "Will not be sent", "badge-warn", problem);
        else if (!purpose()) {
          setState(item, "ready", "Choose a purpose", "", "Choose what the files are for (step 1); its file types are then checked.");
        } else setState(item, "ready", "Ready", "", "");
      });
    }

    function addFiles(files) {
      Array.prototype.forEach.call(files, function (file) {
        var known = items.some(function (item) {
          return PENDING.indexOf(item.state) !== -1 && item.file.name === file.name &&
            item.file.size === file.size && item.file.lastModified === file.lastModified;
        });
        if (known) return;
        var item = { file: file, xhr: null, state: "ready" };
        item.row = element("li", "upload-item");
        item.row.dataset.testid = "upload-item";
        var head = element("div", "upload-item-head");
        head.appendChild(element("span", "upload-name", file.name));
        head.appendChild(element("span", "muted small", sizeText(file.size)));
        item.badge = element("span", "badge");
        head.appendChild(item.badge);
        item.button = element("button", "btn btn-small btn-ghost", "Remove");
        item.button.type = "button";
        item.button.addEventListener("click", function () { cancel(item); });
        head.appendChild(item.button);
        item.note = element("p", "upload-item-note small");
        item.bar = element("progress", "upload-progress");
        item.bar.max = 100;
        item.bar.value = 0;
        item.bar.hidden = true;
        item.bar.setAttribute("aria-label", "Sent of " + file.name);
        item.row.append(head, item.note, item.bar);
        list.appendChild(item.row);
        items.push(item);
        checkLines(item);
      });
      summary.textContent = "";
      refreshChecks();
    }

    function cancel(item) {
      if (item.state === "sending" && item.xhr) {
        item.xhr.abort();
      } else if (PENDING.indexOf(item.state) !== -1) {
        item.row.remove();
        items.splice(items.indexOf(item), 1);
      } else if (item.state === "waiting") {
        finish(item, "cancelled", "Cancelled", "badge-warn", "Not sent: you cancelled it.");
      }
    }

    function finish(item, state, badgeText, badgeClass, note) {
      setState(item, state, badgeText, badgeClass, note);
      item.bar.hidden = true;
      item.button.hidden = true;
    }

    // Puts the server's answer (a result item, or a refusal message) in place of the row.
    function showAnswer(item, xhr) {
      var answer = fragment(xhr.responseText || "");
      var result = answer.querySelector("[data-outcome]");
      if (result) {
        item.row.replaceWith(result);
        item.row = result;
        item.state = result.dataset.outcome;
        return;
      }
      var message = answer.querySelector(".callout");
      var text = message ? message.textContent.trim() :
        "The dashboard answered with an error (" + xhr.status + "). Reload the page and try again.";
      if (xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
        text = "You were signed out. Sign in again, then send the file again.";
      }
      // 400 and 429 (too many uploads under way at once) are refusals before anything was
      // sent; anything else is a failure. The batch goes on either way, one file at a time,
      // so this page never has more than one upload of its own under way.
      var refused = xhr.status === 400 || xhr.status === 429;
      finish(item, refused ? "not-sent" : "failed", refused ? "Not sent" : "Failed", "badge-bad", text);
    }

    // The file goes as the whole body of its own request to the page's own address (which
    // names its team), its name and purpose in headers: the dashboard checks those before reading a byte, then passes the file on to
    // the upstream as it arrives, so the bar shows the file's way into the team.
    function send(item, chosenPurpose) {
      return new Promise(function (resolve) {
        var xhr = new XMLHttpRequest();
        item.xhr = xhr;
        xhr.open("POST", form.action);
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.setRequestHeader("HX-Request", "true");
        xhr.setRequestHeader("X-CSRFToken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
        xhr.setRequestHeader("X-Upload-Purpose", chosenPurpose);
        xhr.setRequestHeader("X-Upload-Filename", encodeURIComponent(item.file.name));
        setState(item, "sending", "Sending", "badge-run", "Sending to " + form.dataset.teamLabel + "… 0%");
        item.button.textContent = "Cancel";
        item.bar.hidden = false;
        xhr.upload.addEventListener("progress", function (event) {
          if (!event.lengthComputable || item.state !== "sending") return;
          var percent = Math.floor((event.loaded / event.total) * 100);
          item.bar.value = percent;
          item.note.textContent = "Sending to " + form.dataset.teamLabel + "… " + percent + "% of " +
            sizeText(item.file.size);
        });
        xhr.upload.addEventListener("load", function () {
          item.bar.value = 100;
          item.bar.removeAttribute("value"); // an indeterminate bar: waiting for the answer
          item.button.hidden = true; // too late: the file is all sent
          setState(item, "forwarding", "Sending to the upstream", "badge-run",
            "All sent from this computer. The dashboard finishes its checks, sends the last part " +
            "to the upstream and waits for it to confirm the file…");
        });
        xhr.addEventListener("load", function () {
          showAnswer(item, xhr);
          resolve(item.state);
        });
        xhr.addEventListener("error", function () {
          finish(item, "failed", "Failed", "badge-bad",
            "The connection to the dashboard broke. Check the Files list before sending it again.");
          resolve("failed");
        });
        xhr.addEventListener("abort", function () {
          finish(item, "cancelled", "Cancelled", "badge-warn", "Not sent: you cancelled it.");
          resolve("cancelled");
        });
        xhr.send(item.file);
      });
    }

    function report(batch) {
      var counts = {};
      batch.forEach(function (item) { counts[item.state] = (counts[item.state] || 0) + 1; });
      summary.textContent = "";
      var parts = [
        [counts.uploaded, "uploaded"],
        [(counts["not-sent"] || 0) + (counts.skipped || 0) + (counts.cancelled || 0), "not sent"],
        [counts.failed, "failed"],
      ].filter(function (part) { return part[0]; }).map(function (part) { return part[0] + " " + part[1]; });
      summary.appendChild(document.createTextNode("Done: " + parts.join(", ") + ". "));
      if (counts.uploaded) {
        var link = element("a", "", "See the team's files");
        link.href = form.dataset.filesUrl;
        summary.appendChild(link);
      }
    }

    // Why nothing can be sent, when nothing can.
    function nothingToSend() {
      var pending = items.filter(function (item) { return PENDING.indexOf(item.state) !== -1; });
      if (pending.length) return "None of the chosen files can be sent; see why above.";
      if (!items.length) return "Choose a file to upload.";
      var uploaded = items.every(function (item) { return item.state === "uploaded"; });
      return uploaded ? "All chosen files are uploaded — choose more." :
        "Every chosen file has been sent or tried; see above. Choose more files to upload.";
    }

    function run() {
      var chosen = purpose();
      refreshChecks();
      if (!chosen) { // the browser's own check asks first; this if it was not asked
        summary.textContent = "Choose what the files are for (step 1) first.";
        var first = form.querySelector("input[name=purpose]");
        if (first) first.focus();
        return;
      }
      var queue = items.filter(function (item) { return item.state === "ready"; });
      if (!queue.length) {
        summary.textContent = nothingToSend();
        return;
      }
      running = true;
      submit.disabled = true;
      var batch = items.filter(function (item) { return item.state === "ready" || item.state === "blocked"; });
      batch.forEach(function (item) {
        if (item.state === "blocked") finish(item, "skipped", "Not sent", "badge-warn");
      });
      queue.forEach(function (item) { setState(item, "waiting", "Waiting", "", ""); item.button.textContent = "Cancel"; });
      summary.textContent = "Sending " + queue.length + " file" + (queue.length === 1 ? "" : "s") + "…";
      // One file after the other.
      queue.reduce(function (previous, item) {
        return previous.then(function () {
          if (item.state !== "waiting") return null; // cancelled while it waited
          return send(item, chosen.value);
        });
      }, Promise.resolve()).then(function () {
        running = false;
        submit.disabled = false;
        report(batch);
      });
    }

    input.addEventListener("change", function () {
      addFiles(input.files);
      input.value = ""; // the same file can be chosen again after it is removed
    });
    form.querySelectorAll("input[name=purpose]").forEach(function (radio) {
      radio.addEventListener("change", refreshChecks);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (running) return;
      var checking = items.filter(function (item) { return item.state === "checking"; });
      if (!checking.length) { run(); return; }
      running = true;
      summary.textContent = "Checking the chosen files first…";
      Promise.all(checking.map(function (item) { return item.checked; })).then(function () {
        running = false;
        run();
      });
    });

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("upload-drop-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.remove("upload-drop-over");
      });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
    });
    // A file dropped beside the zone would make the browser leave the page to show it.
    window.addEventListener("dragover", function (event) { event.preventDefault(); });
    window.addEventListener("drop", function (event) { event.preventDefault(); });
  }

  // "Choose another at the top of the page": open the header's team switcher.
  function openSwitcher(event) {
    var menu = document.querySelector("#team-switcher details");
    if (!menu) return;
    event.preventDefault();
    menu.open = true;
    menu.querySelector("summary").focus();
  }

  window.Dashboard.onReady(function () {
    var form = document.getElementById("upload-form");
    if (form && window.FormData && window.XMLHttpRequest) setup(form);
    document.querySelectorAll('a[href="#team-switcher"]').forEach(function (link) {
      link.addEventListener("click", openSwitcher);
    });
  });
})();
