// Moved out of the page so that the Content-Security-Policy needs no inline script.
(function () {
  // Progressive enhancement: without JavaScript the file input and the button do the same.
  var zone = document.getElementById("dropzone"), input = document.getElementById("file"),
      form = document.getElementById("verify-form");
  if (!zone || !input || !form || !window.DataTransfer) return;
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    var transfer = new DataTransfer();
    transfer.items.add(files[0]);
    input.files = transfer.files;
    form.submit();
  });
})();
