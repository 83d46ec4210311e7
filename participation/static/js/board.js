/* Workshop board: progressive enhancement only. Without this file every page
   works with its Refresh link and plain POST forms.

   - Polls the board state endpoint every few seconds with If-None-Match and
     the page's board pass (no cookies: a poll that finds nothing new costs
     the server one tiny query and answers 304).
   - Swaps in the new board, keeping focus, and waits while someone is using
     a form or an open menu inside it.
   - Places and takes back dots without a page load.
   - Counts the characters of a note as it is typed. */
(function () {
  "use strict";

  var root = document.querySelector("[data-board]");
  if (!root || !window.fetch) { return; }

  var region = root.querySelector("[data-board-region]");
  var stateUrl = root.getAttribute("data-state-url");
  var boardPass = root.getAttribute("data-board-pass");
  var csrfToken = root.getAttribute("data-csrf") || "";
  var baseSeconds = parseInt(root.getAttribute("data-poll-seconds"), 10) || 3;
  var etag = null;
  var pending = null;
  var failures = 0;
  var timer = null;

  var live = root.querySelector("[data-board-live]");
  if (live) { live.hidden = false; }

  function state() { return root.getAttribute("data-state"); }

  function interval() {
    var seconds = state() === "closed" ? 30 : baseSeconds;
    return Math.min(60, seconds * Math.pow(2, failures)) * 1000;
  }

  function fillCsrf(container) {
    var inputs = container.querySelectorAll("input[data-csrf]");
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].value) { inputs[i].value = csrfToken; }
    }
  }

  function busy() {
    if (!region) { return false; }
    var active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, select, textarea")) { return true; }
    return region.querySelector("details[open]") !== null;
  }

  /* A key for the focused button (its form's action and hidden values), to find it again after a swap. */
  function focusKey() {
    var active = document.activeElement;
    if (!active || !region.contains(active) || !active.form) { return null; }
    return formKey(active.form);
  }

  function formKey(form) {
    var parts = [form.getAttribute("action")];
    var hidden = form.querySelectorAll("input[type=hidden]:not([data-csrf])");
    for (var i = 0; i < hidden.length; i++) { parts.push(hidden[i].name + "=" + hidden[i].value); }
    return parts.join("|");
  }

  function targetOf(key) {
    var match = /target=([a-z]+-\d+)/.exec(key || "");
    return match ? match[1] : null;
  }

  function restoreFocus(key) {
    if (!key) { return; }
    var forms = region.querySelectorAll("form");
    var target = targetOf(key);
    var fallback = null;
    for (var i = 0; i < forms.length; i++) {
      var formKeyValue = formKey(forms[i]);
      if (formKeyValue === key) { forms[i].querySelector("button").focus(); return; }
      if (target && !fallback && targetOf(formKeyValue) === target) { fallback = forms[i].querySelector("button"); }
    }
    if (fallback) { fallback.focus(); return; }
    var text = target && document.getElementById(target + "-text");
    if (text) { text.setAttribute("tabindex", "-1"); text.focus(); }
  }

  function apply(html) {
    var key = focusKey();
    region.innerHTML = html;
    fillCsrf(region);
    restoreFocus(key);
    pending = null;
  }

  function stateChanged() {
    var textarea = root.querySelector("[data-note-form] textarea");
    if (textarea && textarea.value.trim()) {
      var notice = root.querySelector("[data-board-stale]");
      if (notice) { notice.hidden = false; }
      return;
    }
    window.location.reload();
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay === undefined ? interval() : delay);
  }

  function poll() {
    if (document.visibilityState === "hidden") { schedule(); return; }
    if (pending !== null && !busy()) { apply(pending); }
    var headers = { "Accept": "application/json" };
    if (boardPass) { headers["X-Board-Pass"] = boardPass; }
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(stateUrl, { headers: headers, credentials: boardPass ? "omit" : "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("status " + response.status); }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (data) {
          if (data.state !== state()) { stateChanged(); return; }
          if (busy()) { pending = data.html; } else { apply(data.html); }
        }
        schedule();
      })
      .catch(function () {
        failures = Math.min(failures + 1, 4);
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { schedule(0); }
  });
  if (region) {
    region.addEventListener("focusout", function () {
      window.setTimeout(function () { if (pending !== null && !busy()) { apply(pending); } }, 0);
    });
    region.addEventListener("toggle", function () {
      if (pending !== null && !busy()) { apply(pending); }
    }, true);
  }

  /* Dots without a page load; the answer is read out in the status line. */
  var message = root.querySelector("[data-board-message]");
  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest("[data-dot-controls]")) { return; }
    event.preventDefault();
    var key = formKey(form);
    var body = new FormData(form);
    fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-Board-Async": "1", "Accept": "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (message) { message.textContent = data.message || ""; }
        etag = null;
        window.clearTimeout(timer);
        poll();
        window.setTimeout(function () { restoreFocus(key); }, 400);
      })
      .catch(function () { form.submit(); });
  });

  /* Characters left in a note. */
  var counter = root.querySelector("[data-char-count]");
  var textarea = root.querySelector("[data-note-form] textarea");
  if (counter && textarea) {
    var max = parseInt(counter.getAttribute("data-max"), 10) || 280;
    var template = counter.getAttribute("data-template") || "{count} / {max}";
    var update = function () {
      var count = textarea.value.replace(/\r\n/g, "\n").length;
      counter.textContent = template.replace("{count}", count).replace("{max}", max);
      counter.classList.toggle("note-form__count--over", count > max);
    };
    counter.hidden = false;
    textarea.addEventListener("input", update);
    update();
  }

  schedule();
}());
