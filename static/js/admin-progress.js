// A background job's progress bar: polls the job's state and, once it has ended, reloads the
// page so the server shows the outcome. Without this script the page shows the state on load.
(function () {
  "use strict";
  var box = document.querySelector("[data-state-url]");
  var status = document.getElementById("job-status");
  if (!box || !status || !window.fetch) { return; }
  var ENDED = ["finished", "failed", "stopped", "canceled"];
  if (ENDED.indexOf(status.dataset.status) >= 0) { return; }
  var labels = JSON.parse(status.dataset.labels);
  var bar = document.getElementById("job-bar");
  var label = document.getElementById("job-label");
  var percent = document.getElementById("job-percent");

  function poll() {
    fetch(box.dataset.stateUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 3000); return; }
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        percent.textContent = state.percent;
        label.textContent = labels[state.status] || state.status;
        status.dataset.status = state.status;
        if (ENDED.indexOf(state.status) >= 0) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
