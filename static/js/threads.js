// Threads: run an agent on a thread and show its answer while it streams in.
// The run form posts to the dashboard, which relays the upstream's server-sent events as they
// arrive; this script reads them with fetch() and a ReadableStream and appends each text delta.
// Without JavaScript the same form posts normally and the page waits for the whole reply.
(function () {
  "use strict";

  var DONE = "[DONE]";

  // Feeds arrived text to the server-sent-event parser; keeps any unfinished line for later.
  function takeEvents(state, text, onPayload) {
    state.pending += text;
    var lines = state.pending.split("\n");
    state.pending = lines.pop();
    lines.forEach(function (raw) {
      var line = raw.replace(/\r$/, "");
      if (line.indexOf("data:") === 0) {
        state.data.push(line.slice(5).trim());
      } else if (line === "" && state.data.length) {
        onPayload(state.data.join("\n"));
        state.data = [];
      }
    });
  }

  function RunView(panel) {
    this.panel = panel;
    this.form = panel.querySelector("[data-run-form]");
    this.button = panel.querySelector("[data-run-button]");
    this.status = panel.querySelector("[data-run-status]");
    this.cancelForm = panel.querySelector("[data-run-cancel]");
    this.controller = null;
    this.reply = null;
    this.outcome = "";
    this.cancelling = false;
  }

  RunView.prototype.setStatus = function (text, tone) {
    this.status.hidden = false;
    this.status.textContent = text;
    this.status.dataset.tone = tone || "run";
  };

  // Shows why the dashboard refused: its error fragment (an upstream error, or the team guard's
  // refusal); a whole page instead (a sign-in page after the session ended) is not shown.
  RunView.prototype.explainFailure = async function (response, what) {
    var body = await response.text();
    if (response.redirected || /<html/i.test(body)) {
      this.setStatus(what + " failed (" + response.status + "). Reload the page and try again.", "bad");
      return;
    }
    this.status.hidden = false;
    this.status.dataset.tone = "bad";
    this.status.innerHTML = body;
  };

  RunView.prototype.startReply = function (agentLabel) {
    var list = document.querySelector("[data-message-list]");
    if (!list) return null;
    var empty = list.querySelector("[data-empty-conversation]");
    if (empty) empty.remove();
    var article = document.createElement("article");
    article.className = "msg msg-assistant msg-streaming";
    article.setAttribute("data-testid", "streamed-reply");
    var head = document.createElement("header");
    head.className = "msg-head";
    var role = document.createElement("span");
    role.className = "role role-assistant";
    role.textContent = "assistant";
    var note = document.createElement("span");
    note.className = "muted small";
    note.textContent = agentLabel;
    head.appendChild(role);
    head.appendChild(note);
    var text = document.createElement("p");
    text.className = "msg-text";
    article.appendChild(head);
    article.appendChild(text);
    list.appendChild(article);
    article.scrollIntoView({ block: "end" });
    return text;
  };

  RunView.prototype.handle = function (event) {
    switch (event.type) {
      case "text-delta":
        if (this.reply && typeof event.delta === "string") {
          this.reply.appendChild(document.createTextNode(event.delta));
        }
        break;
      case "reasoning-delta":
        this.setStatus("Thinking…");
        break;
      case "tool-input-start":
      case "tool-input-available":
        this.setStatus("Using tool " + (event.toolName || "") + "…");
        break;
      case "tool-output-error":
        this.setStatus("A tool failed: " + (event.errorText || "no reason given"), "warn");
        break;
      case "error":
        if (this.cancelling) { this.outcome = "cancelled"; break; } // the stream's own word for it
        this.outcome = "failed";
        this.setStatus("The run failed: " + (event.errorText || "no reason given"), "bad");
        break;
      case "finish":
        if (!this.outcome) this.outcome = "completed";
        break;
    }
  };

  RunView.prototype.run = async function () {
    var select = this.form.querySelector("select");
    var label = select && select.selectedOptions[0] ? select.selectedOptions[0].textContent : "";
    this.outcome = "";
    this.cancelling = false;
    this.controller = new AbortController();
    this.button.disabled = true;
    this.setStatus("Starting the agent…");
    var response;
    try {
      response = await fetch(this.form.action, {
        method: "POST",
        body: new FormData(this.form),
        headers: { Accept: "text/event-stream", "HX-Request": "true" },
        credentials: "same-origin",
        signal: this.controller.signal,
      });
    } catch (err) {
      this.finish("The dashboard could not be reached. Check your connection and try again.", "bad");
      return;
    }
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok || type.indexOf("text/event-stream") === -1 || !response.body) {
      await this.explainFailure(response, "Starting the agent");
      this.button.disabled = false;
      return;
    }
    this.cancelForm.hidden = false;
    this.reply = this.startReply(label);
    this.setStatus("Running…");
    await this.read(response.body.getReader());
  };

  RunView.prototype.read = async function (reader) {
    var self = this;
    var decoder = new TextDecoder();
    var state = { pending: "", data: [] };
    var done = false;
    var onPayload = function (payload) {
      if (payload === DONE) { done = true; return; }
      try { self.handle(JSON.parse(payload)); } catch (err) { /* an unreadable event is skipped */ }
    };
    try {
      while (!done) {
        var chunk = await reader.read();
        if (chunk.done) break;
        takeEvents(state, decoder.decode(chunk.value, { stream: true }), onPayload);
      }
      takeEvents(state, decoder.decode() + "\n\n", onPayload);
    } catch (err) {
      if (this.outcome !== "cancelled") this.outcome = this.outcome || "interrupted";
    }
    this.end();
  };

  RunView.prototype.end = function () {
    var words = {
      completed: ["Completed.", "ok"],
      cancelled: ["Cancelled.", "warn"],
      failed: [this.status.textContent, "bad"],
      interrupted: ["The stream was interrupted before the agent finished.", "bad"],
    };
    var shown = words[this.outcome] || ["The run ended.", "ok"];
    this.finish(shown[0], shown[1]);
    if (this.reply) {
      var bubble = this.reply.closest(".msg");
      bubble.classList.remove("msg-streaming");
      if (this.outcome !== "completed") {
        var mark = document.createElement("span");
        mark.className = "badge badge-warn";
        mark.textContent = "partial answer: " + (this.outcome || "ended");
        bubble.querySelector(".msg-head").appendChild(mark);
      }
    }
    // A finished reply is now stored in the thread: show the stored conversation and runs.
    // A cancelled or failed one keeps what arrived on screen; only the runs are refreshed.
    var changed = this.outcome === "completed" ? "thread-changed" : "runs-changed";
    document.body.dispatchEvent(new CustomEvent(changed, { bubbles: true }));
  };

  RunView.prototype.finish = function (text, tone) {
    this.setStatus(text, tone);
    this.button.disabled = false;
    this.cancelForm.hidden = true;
    this.controller = null;
  };

  RunView.prototype.cancel = async function () {
    this.cancelling = true;
    this.setStatus("Cancelling…", "warn");
    var response;
    try {
      response = await fetch(this.cancelForm.action, {
        method: "POST",
        body: new FormData(this.cancelForm),
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
    } catch (err) {
      this.setStatus("The cancel request could not be sent. Try again.", "bad");
      return;
    }
    if (!response.ok) {
      this.cancelling = false;
      await this.explainFailure(response, "Cancelling");
      return;
    }
    this.outcome = "cancelled";
    if (this.controller) this.controller.abort(); // the stream may already have ended by itself
  };

  function bind(panel) {
    if (panel.dataset.bound) return;
    var view = new RunView(panel);
    if (!view.form || !view.status || !view.cancelForm) return;
    panel.dataset.bound = "1";
    panel.runView = view;
    view.form.addEventListener("submit", function (evt) {
      if (!window.fetch || !window.ReadableStream) return; // the plain form post still works
      evt.preventDefault();
      view.run();
    });
    view.cancelForm.addEventListener("submit", function (evt) {
      evt.preventDefault();
      view.cancel();
    });
  }

  // "Send and run with <agent>": the message is sent first (the dashboard answers 204), the
  // conversation is reloaded so it shows it, then the run streams in as with "Run agent".
  // Without this script the same button posts the form, and the page waits for the reply.
  function bindSendAndRun(form, panel) {
    var button = form.querySelector("[data-send-run]");
    var view = panel && panel.runView;
    if (!button || !view) return;
    var agentField = form.querySelector("[data-send-run-agent]");
    var nameSpan = button.querySelector("[data-send-run-name]");
    var select = view.form.querySelector("select[name=agent_id]");
    if (select) {
      select.addEventListener("change", function () {
        var option = select.selectedOptions[0];
        if (!option) return;
        agentField.value = option.value;
        nameSpan.textContent = option.dataset.name || option.textContent;
      });
    }
    form.addEventListener("submit", async function (evt) {
      if (evt.submitter !== button || !window.fetch || !window.ReadableStream) return;
      evt.preventDefault();
      if (select) select.value = agentField.value;
      var text = form.querySelector("textarea[name=text]");
      button.disabled = true;
      view.setStatus("Sending your message…");
      var response;
      try {
        response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "HX-Request": "true" },
          credentials: "same-origin",
        });
      } catch (err) {
        button.disabled = false;
        view.setStatus("The dashboard could not be reached. Check your connection and try again.", "bad");
        return;
      }
      button.disabled = false;
      if (response.status !== 204) {
        await view.explainFailure(response, "Sending the message");
        return;
      }
      text.value = "";
      var conversation = document.getElementById("conversation");
      if (window.htmx && conversation) {
        await window.htmx.ajax("GET", conversation.getAttribute("hx-get"), {
          target: "#conversation",
          swap: "outerHTML",
        });
      }
      view.run();
    });
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    document.querySelectorAll("[data-run-panel]").forEach(bind);
    var messageForm = document.querySelector("[data-testid=message-form]");
    if (messageForm) bindSendAndRun(messageForm, document.querySelector("[data-run-panel]"));
  });
})();
