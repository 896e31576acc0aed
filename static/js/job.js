// Moved out of the page so that the Content-Security-Policy needs no inline script.
(function () {
  var box = document.getElementById("job");
  var finishedText = box.dataset.finishedText;
  var finishedStates = JSON.parse(box.dataset.finishedStates);
  function show(p) {
    var bar = document.getElementById("job-bar");
    bar.max = p.total || 1; bar.value = p.done || 0; bar.textContent = (p.done || 0) + " / " + (p.total || 0);
    ["done", "total", "issued", "skipped", "failed"].forEach(function (k) {
      var el = document.getElementById("job-" + k); if (el) { el.textContent = p[k] || 0; }
    });
  }
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { setTimeout(poll, 3000); return; }
        show(p);
        if (finishedStates.indexOf(p.state) >= 0) {
          document.getElementById("job-state").textContent = finishedText;
          document.getElementById("job-result").hidden = false;
        } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
