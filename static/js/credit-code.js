// Credit-code page: countdown, refresh before expiry, and the merchant's scan result, live.
// The page works without this script (the server renders a fresh code on every load).
(function () {
  "use strict";
  var box = document.getElementById("credit-code");
  if (!box || !window.fetch) { return; }
  var img = document.getElementById("qr");
  var numeric = document.getElementById("numeric-code");
  var countdown = document.getElementById("countdown");
  var result = document.getElementById("scan-result");
  var announce = document.getElementById("code-state");
  var newCode = document.getElementById("new-code");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var reasons = JSON.parse(box.dataset.reasons);
  var REFRESH_BEFORE = 10;  // seconds left when a new code is fetched
  var POLL_MS = 1500;
  var token = box.dataset.token;
  // the expiry on this device's clock, from the seconds the server gave (a phone's clock may be off)
  var expires = Date.now() + Number(box.dataset.ttl) * 1000;
  var refreshing = false, failed = false, scanned = false;
  var state = "live";

  // live | used | expired | offline: the page dims a code that cannot be scanned, and the polite
  // region speaks only when the state changes, never the seconds
  function setState(next, message) {
    if (next === state) { return; }
    state = next;
    box.dataset.state = next;
    announce.textContent = message || "";
  }

  function secondsLeft() { return Math.max(0, Math.round((expires - Date.now()) / 1000)); }

  function show(code, numericCode, validFor, svgUrl) {
    token = code;
    numeric.textContent = numericCode.replace(/(\d{6})(?=\d)/g, "$1 ");
    expires = Date.now() + validFor;
    box.dataset.token = code;
    img.src = svgUrl;
    scanned = false;
    result.hidden = true;
    setState("live", box.dataset.textFresh);
  }

  function refresh() {
    if (refreshing) { return; }
    refreshing = true;
    fetch(box.dataset.issueUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      var serverNow = Date.parse(r.headers.get("Date"));
      return r.json().then(function (body) {
        var validFor = Date.parse(body.expires_at) - (isNaN(serverNow) ? Date.now() : serverNow);
        failed = false;
        show(body.token, body.numeric_code, validFor, body.qr_svg_url);
      });
    }).catch(function () {
      failed = true;
    }).then(function () { refreshing = false; tick(); });
  }

  function tick() {
    var left = secondsLeft();
    var offline = navigator.onLine === false || (failed && left === 0);
    if (scanned) {
      countdown.textContent = box.dataset.textUsed;
    } else if (offline) {
      countdown.textContent = box.dataset.textFailed;
      setState("offline", box.dataset.textFailed);
    } else if (left === 0) {
      countdown.textContent = box.dataset.textExpired;
      setState("expired", box.dataset.textExpired);
    } else {
      countdown.textContent = box.dataset.textLeft.replace("{n}", left);
    }
    if (left <= REFRESH_BEFORE && !refreshing && !scanned && !document.hidden &&
        navigator.onLine !== false) { refresh(); }
  }

  function showResult(body) {
    scanned = true;
    result.hidden = false;
    countdown.textContent = box.dataset.textUsed;
    if (body.decision === "granted") {
      result.className = "scan-result granted";
      result.textContent = box.dataset.textGranted
        .replace("{benefit}", body.benefit ? body.benefit.name : "")
        .replace("{merchant}", body.merchant || "");
    } else {
      result.className = "scan-result denied";
      result.textContent = box.dataset.textDenied.replace("{reason}", reasons[body.reason] || body.reason);
    }
    setState("used", result.textContent + " " + box.dataset.textUsed);
    newCode.focus();
  }

  function poll() {
    if (scanned || document.hidden || secondsLeft() === 0) { return; }
    var polled = token;
    // a short request per poll (no worker waits on a scan); the token goes in the body, out of URLs
    fetch(box.dataset.resultUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({token: polled})
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.status === "scanned" && polled === token) { showResult(body); }
      }).catch(function () {});
  }

  newCode.addEventListener("click", function (event) {
    event.preventDefault();
    refresh();
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { tick(); } });
  window.addEventListener("offline", tick);
  window.addEventListener("online", function () { if (!scanned) { refresh(); } });
  setInterval(tick, 1000);
  setInterval(poll, POLL_MS);
  tick();
}());
