// Questionnaires on a phone: one question at a time, with Back and Next. Without this script
// every question shows on one page and the form works the same (progressive enhancement).
(function () {
  "use strict";
  document.querySelectorAll("form[data-step-by-step]").forEach(function (form) {
    const steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
    const submit = form.querySelector("button[type=submit]");
    if (steps.length < 2 || !submit) return;
    form.noValidate = true; // the server names any missing answer and shows that question
    const sections = form.querySelectorAll("fieldset.section");
    const bar = document.createElement("div");
    bar.className = "stepper";
    const back = document.createElement("button");
    back.type = "button";
    back.textContent = "Back";
    const progress = document.createElement("span");
    progress.setAttribute("aria-live", "polite");
    const next = document.createElement("button");
    next.type = "button";
    next.textContent = "Next";
    const all = document.createElement("button");
    all.type = "button";
    all.className = "link";
    all.textContent = "Show all questions";
    bar.append(back, progress, next);
    submit.before(bar);
    bar.after(all);
    let current = Math.max(0, steps.findIndex(function (step) {
      return step.querySelector(".error");
    }));

    function show(index) {
      current = index;
      steps.forEach(function (step, i) { step.hidden = i !== index; });
      sections.forEach(function (section) { section.hidden = !section.contains(steps[index]); });
      progress.textContent = "Question " + (index + 1) + " of " + steps.length;
      back.disabled = index === 0;
      next.hidden = index === steps.length - 1;
      submit.hidden = index !== steps.length - 1;
      const legend = steps[index].querySelector("legend");
      if (legend) legend.setAttribute("tabindex", "-1");
    }
    function move(by) {
      show(Math.min(steps.length - 1, Math.max(0, current + by)));
      const legend = steps[current].querySelector("legend");
      if (legend) legend.focus();
    }
    back.addEventListener("click", function () { move(-1); });
    next.addEventListener("click", function () { move(1); });
    all.addEventListener("click", function () {
      steps.forEach(function (step) { step.hidden = false; });
      sections.forEach(function (section) { section.hidden = false; });
      bar.remove();
      all.remove();
      submit.hidden = false;
    });
    show(current);
  });
})();
