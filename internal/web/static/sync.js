// Live progress of a sync run: reads the run's progress JSON every two seconds and updates its
// steps' rows; when the run ends, reloads the page once to show the finished run and the history.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress]");
  if (!box) { return; }
  var url = box.getAttribute("data-progress");
  function counts(c) {
    var keys = Object.keys(c || {}).sort();
    return keys.map(function (k) { return k + " " + c[k]; }).join(", ");
  }
  function update(run) {
    (run.steps || []).forEach(function (st) {
      var row = box.querySelector('[data-step="' + st.step + '"]');
      if (!row) { return; }
      row.querySelector(".status").textContent = st.status;
      var bar = row.querySelector("progress");
      if (st.total > 0) { bar.max = st.total; bar.value = st.done; } else { bar.removeAttribute("value"); }
      row.querySelector(".done").textContent = st.total > 0 ? st.done + " / " + st.total : (st.done > 0 ? String(st.done) : "");
      row.querySelector(".counts").textContent = counts(st.counts);
      row.querySelector(".errors").textContent = st.error_count > 0 ? st.error_count + " errors" : "";
    });
    var s = box.querySelector(".run-status");
    if (s) { s.textContent = run.status; }
    return run.status === "queued" || run.status === "running";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (run) { if (update(run)) { setTimeout(poll, 2000); } else { window.location.reload(); } })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();
