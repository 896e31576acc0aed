// Moved out of the page so that the Content-Security-Policy needs no inline script.
(function () {
  // The Web Share API (phones): the system's share sheet; hidden where it does not exist.
  var share = document.getElementById("web-share");
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: share.getAttribute("data-title"), url: share.getAttribute("data-url") }).catch(function () {});
    });
  }
})();
(function () {
  var button = document.getElementById("copy-link"), input = document.getElementById("public-url"),
      status = document.getElementById("copy-status");
  if (!button || !input) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    function done() { status.textContent = button.getAttribute("data-copied"); }
    function fallback() {
      input.select();  // selected: at worst the visitor copies it by hand
      try { if (document.execCommand("copy")) done(); } catch (e) { /* nothing more to try */ }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, fallback);
    } else {
      fallback();
    }
  });
})();
