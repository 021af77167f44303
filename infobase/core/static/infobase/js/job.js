// Follows a background job (a job page, or a report run's page): asks for its status every
// second and reloads the page when it ends.
(function () {
  "use strict";
  var bar = document.getElementById("job-progress");
  if (!bar) { return; }
  var step = document.getElementById("job-step");
  var percent = document.getElementById("job-percent");
  var status = document.getElementById("job-status");
  function poll() {
    fetch(bar.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        // The session ended (sent to the login page) or the job is no longer this person's: the
        // page itself says so, and leads back here after signing in.
        if (response.redirected || response.status === 403 || response.status === 404) {
          window.location.reload();
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (data === null) { return; }
        bar.value = data.progress;
        // The percentage as the page writes it: shown beside the bar, said by screen readers
        // (aria-valuetext) and the fallback text of browsers without <progress>.
        var written = data.progress_display || String(data.progress);
        bar.textContent = written;
        bar.setAttribute("aria-valuetext", written);
        if (percent) { percent.textContent = written; }
        if (step) { step.textContent = data.step; }
        if (status && data.status_display) { status.textContent = data.status_display; }
        if (data.finished || data.status === "done" || data.status === "failed") {
          window.location.reload();
        }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
