// The countdown to the next vital signs, updated every second without reloading.
(function () {
  "use strict";
  const box = document.querySelector(".countdown[data-due]");
  if (!box) return;
  const due = new Date(box.dataset.due).getTime();
  const left = box.querySelector(".countdown-left");
  function tick() {
    const seconds = Math.round((due - Date.now()) / 1000);
    const abs = Math.abs(seconds);
    const text = Math.floor(abs / 60) + ":" + String(abs % 60).padStart(2, "0");
    left.textContent = seconds >= 0 ? "in " + text : "overdue by " + text;
    box.classList.toggle("overdue", seconds < 0);
  }
  tick();
  setInterval(tick, 1000);
})();
