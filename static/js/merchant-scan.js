// Merchant console: scan a credit code with the camera (jsQR), or type its number or let a
// barcode scanner type it (its Enter submits the form), then verify it.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }
  var texts = JSON.parse(root.dataset.texts);
  var verifyUrl = root.dataset.verifyUrl;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("verify-form");
  var tokenInput = document.getElementById("token");
  var benefit = document.getElementById("benefit");
  var button = document.getElementById("verify-button");
  var result = document.getElementById("result");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var cameraStatus = document.getElementById("camera-status");
  var stream = null;
  var busy = false;
  var CAMERA_ERRORS = {
    NotAllowedError: "camera_denied", SecurityError: "camera_denied",
    NotFoundError: "camera_missing", OverconstrainedError: "camera_missing",
    NotReadableError: "camera_busy", AbortError: "camera_busy"
  };

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  function text(id, value) { document.getElementById(id).textContent = value || ""; }

  function readyForNext() {
    // the next scanner burst or typed number replaces this one; the answer stays in view
    tokenInput.focus({preventScroll: true});
    tokenInput.select();
  }

  function show(decision, reason, body) {
    var option = benefit.options[benefit.selectedIndex];
    result.hidden = false;
    result.className = "m-result m-" + decision;
    text("result-decision", texts[decision] || decision);
    text("result-benefit", body && body.benefit ? body.benefit.name : "");
    text("result-name", body && body.resident ? body.resident.masked_name : "");
    if (decision === "granted") {
      text("result-todo", option ? option.dataset.todo : "");
    } else {
      text("result-todo", body && body.benefit ? texts.denied_todo : "");
    }
    text("result-reason", reason ? (texts[reason] || texts.error) : "");
    readyForNext();
    result.scrollIntoView({block: "nearest"});
  }

  // one Idempotency-Key per scan, reused for the retry after a network error
  function send(token, key, attempt) {
    return fetch(verifyUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": key},
      body: JSON.stringify({token: token, benefit: benefit.value})
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { show("denied", "error", null); return; }
        show(body.decision, body.reason, body);
      });
    }, function () {
      if (attempt < 2) { return send(token, key, attempt + 1); }
      show("denied", "network", null);
    });
  }

  function verify() {
    var token = tokenInput.value.trim();
    if (!token || busy) { return; }
    busy = true;
    button.disabled = true;
    send(token, newKey(), 0).then(function () {
      busy = false;
      button.disabled = false;
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); verify(); });

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      if (code && code.data) {
        tokenInput.value = code.data;
        stopCamera();
        verify();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  document.getElementById("start-camera").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      cameraStatus.textContent = texts.camera_unsupported;
      return;
    }
    cameraStatus.textContent = "";
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      video.play();
      window.requestAnimationFrame(tick);
    }, function (error) {
      cameraStatus.textContent = texts[CAMERA_ERRORS[error && error.name]] || texts.camera_failed;
    });
  });

  tokenInput.focus();
}());
