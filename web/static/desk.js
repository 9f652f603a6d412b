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
    else if (e.key === "c" && all[selected]) { ask(all[selected]); }
    else if (e.key === "Escape") { cancel(); }
  });
  // `c` on a queue row: first say where it goes and wait for a second `c` (or the button), then
  // send after a few seconds in which 撤销 (or Esc) stops it. One keystroke never transfers.
  let pending = null;
  function bar() { return document.getElementById("confirm-bar"); }
  function cancel() {
    if (pending && pending.timer) { clearTimeout(pending.timer); }
    pending = null;
    const b = bar(); if (b) { b.hidden = true; }
  }
  function say(text, buttons) {
    const b = bar(); if (!b) { return; }
    b.querySelector(".what").textContent = text;
    b.querySelector("#confirm-go").hidden = !buttons.go;
    b.querySelector("#confirm-undo").textContent = buttons.undo;
    b.hidden = false;
  }
  function where(row) {
    return row.dataset.target ? "确认 " + row.dataset.tn + " 并转办至：" + row.dataset.target
      : "确认 " + row.dataset.tn + "（本组办理）";
  }
  function ask(row) {
    if (pending && pending.row === row && !pending.timer) { arm(); return; }
    cancel();
    pending = { row: row, timer: null };
    say(where(row) + "？再按 c 或点“确认”执行，Esc 取消。", { go: true, undo: "取消" });
  }
  function arm() {
    const row = pending.row;
    say(where(row) + " —— 5 秒后执行。", { go: false, undo: "撤销" });
    pending.timer = setTimeout(function () { send(row); }, 5000);
  }
  function send(row) {
    const token = document.querySelector("input[name=csrf]");
    const body = new URLSearchParams({ csrf: token ? token.value : "" });
    pending = null;
    fetch("/desk/r/" + row.dataset.tn + "/confirm", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { say(r.ok ? row.dataset.tn + " 已确认。" : row.dataset.tn + " 未能确认，请打开该件处理。", { go: false, undo: "关闭" }); })
      .then(function () { window.location.reload(); });
  }
  document.addEventListener("click", function (e) {
    if (e.target.id === "confirm-go" && pending) { arm(); }
    else if (e.target.id === "confirm-undo") { cancel(); }
  });
  // The queue refreshes itself; keep the officer's place in it.
  document.addEventListener("htmx:afterSwap", mark);
  document.addEventListener("DOMContentLoaded", function () {
    const print = document.getElementById("print");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  });
})();
