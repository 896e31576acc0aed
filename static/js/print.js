// Moved out of the page so that the Content-Security-Policy needs no inline script.
(function () {
  var button = document.getElementById("print");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
