// Credit-code page: countdown, refresh before expiry, and the merchant's scan result, live.
// The page works without this script (the server renders a fresh code on every load).
(function () {
  "use strict";
  var box = document.getElementById("credit-code");
  if (!box || !window.fetch) { return; }
  var img = document.getElementById("qr");
  var countdown = document.getElementById("countdown");
  var result = document.getElementById("scan-result");
  var newCode = document.getElementById("new-code");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var reasons = JSON.parse(box.dataset.reasons);
  var REFRESH_BEFORE = 10;  // seconds left when a new code is fetched
  var POLL_MS = 1500;
  var token = box.dataset.token;
  var expires = Date.parse(box.dataset.expires);
  var refreshing = false, failed = false, scanned = false;

  function secondsLeft() { return Math.max(0, Math.round((expires - Date.now()) / 1000)); }

  function show(code, expiresAt, svgUrl) {
    token = code;
    expires = Date.parse(expiresAt);
    box.dataset.token = code;
    img.src = svgUrl;
    scanned = false;
    result.hidden = true;
  }

  function refresh() {
    if (refreshing) { return; }
    refreshing = true;
    fetch(box.dataset.issueUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (body) {
      failed = false;
      show(body.token, body.expires_at, body.qr_svg_url);
    }).catch(function () {
      failed = true;
    }).then(function () { refreshing = false; tick(); });
  }

  function tick() {
    var left = secondsLeft();
    if (failed && left === 0) {
      countdown.textContent = box.dataset.textFailed;
    } else if (left === 0) {
      countdown.textContent = box.dataset.textExpired;
    } else {
      countdown.textContent = box.dataset.textLeft.replace("{n}", left);
    }
    if (left <= REFRESH_BEFORE && !refreshing && !scanned && !document.hidden) { refresh(); }
  }

  function showResult(body) {
    scanned = true;
    result.hidden = false;
    if (body.decision === "granted") {
      result.className = "scan-result granted";
      result.textContent = box.dataset.textGranted
        .replace("{benefit}", body.benefit ? body.benefit.name : "")
        .replace("{merchant}", body.merchant || "");
    } else {
      result.className = "scan-result denied";
      result.textContent = box.dataset.textDenied.replace("{reason}", reasons[body.reason] || body.reason);
    }
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
  setInterval(tick, 1000);
  setInterval(poll, POLL_MS);
  tick();
}());
