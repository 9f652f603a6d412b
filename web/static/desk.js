// Keyboard shortcuts of the desk (kept out of the pages: the CSP allows no inline script).
(function () {
  "use strict";
  let selected = -1;
  function rows() { return Array.from(document.querySelectorAll("#queue-rows tr.row")); }
  function mark() {
    rows().forEach(function (r, n) { r.classList.toggle("selected", n === selected); });
    const r = rows()[selected];
    if (r) { r.scrollIntoView({ block: "nearest" }); }
  }
  function typing(target) { return ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName); }
  document.addEventListener("keydown", function (e) {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) { return; }
    const all = rows();
    if (all.length && e.key === "j") { selected = Math.min(selected + 1, all.length - 1); mark(); }
    else if (all.length && e.key === "k") { selected = Math.max(selected - 1, 0); mark(); }
    else if (e.key === "Enter" && all[selected]) { e.preventDefault(); window.location = all[selected].dataset.href; }
    else if (e.key === "c" && document.getElementById("confirm-form")) { document.getElementById("confirm-form").requestSubmit(); }
  });
  // The queue refreshes itself; keep the officer's place in it.
  document.addEventListener("htmx:afterSwap", mark);
  document.addEventListener("DOMContentLoaded", function () {
    const print = document.getElementById("print");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  });
})();
