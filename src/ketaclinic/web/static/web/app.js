// htmx swaps 422 answers too: they carry the form or fragment with the fields' errors.
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }
});

// Automatic log-off: after the configured idle time without input, log out and say why.
(function () {
  "use strict";
  const form = document.getElementById("logout-form");
  if (!form) return;
  const idleMs = Number(form.dataset.idleSeconds) * 1000;
  if (!idleMs) return;
  let timer;
  function logOff() {
    const flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "idle";
    flag.value = "1";
    form.appendChild(flag);
    form.action = form.action + "?idle=1";
    form.submit();
  }
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(logOff, idleMs);
  }
  ["mousemove", "keydown", "touchstart", "scroll", "click"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });
  reset();
})();

// Layout and behaviour come as data attributes, never inline style or script (the
// Content-Security-Policy refuses both): grid placement of the day board, a select that
// submits its form when changed, a print button.
(function () {
  "use strict";
  function layOut(root) {
    root.querySelectorAll("[data-grid-columns]").forEach(function (grid) {
      grid.style.gridTemplateColumns = grid.dataset.gridColumns;
      grid.style.gridTemplateRows = grid.dataset.gridRows || "";
    });
    root.querySelectorAll("[data-grid-row]").forEach(function (cell) {
      cell.style.gridRow = cell.dataset.gridRow;
      cell.style.gridColumn = cell.dataset.gridColumn || "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { layOut(document); });
  document.addEventListener("htmx:load", function (event) { layOut(event.target); });
  document.addEventListener("change", function (event) {
    const control = event.target;
    if (control.matches && control.matches("[data-submit-on-change]") && control.form) {
      control.form.requestSubmit();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
