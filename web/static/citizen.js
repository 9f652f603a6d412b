// The citizen form's live count of characters (kept out of the page: the CSP allows no inline script).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const text = document.getElementById("text");
    const used = document.getElementById("text-used");
    if (!text || !used) { return; }
    // Count code points, as the server does (the browser's maxlength counts UTF-16 units).
    function update() { used.textContent = String(Array.from(text.value).length); }
    text.addEventListener("input", update);
    update();
  });
})();
