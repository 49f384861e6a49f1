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

// Automatic log-off. A minute before the idle time runs out a dialog offers "Stay logged in"
// (which renews the session on the server too); while someone is working, the server's idle
// clock is renewed every few minutes. What was typed in a form is kept in this tab's session
// storage for the same user and offered back after they log in again.
(function () {
  "use strict";
  const form = document.getElementById("logout-form");
  const draftKey = "ketaclinic-draft";
  const user = form ? form.dataset.user : null;
  restoreDraft();
  if (!form) return;
  const idleMs = Number(form.dataset.idleSeconds) * 1000;
  if (!idleMs) return;
  const warnMs = Math.max(idleMs - 60000, idleMs / 2);
  const renewEveryMs = Math.min(5 * 60000, idleMs / 3);
  let warnTimer, logOffTimer, lastRenewal = Date.now(), dialog = null;

  function csrfToken() {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function renewOnServer() {
    lastRenewal = Date.now();
    return fetch(form.dataset.keepAlive, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    });
  }
  function saveDraft() {
    const fields = [];
    document.querySelectorAll("main form").forEach(function (each, index) {
      each.querySelectorAll("input, textarea, select").forEach(function (field) {
        if (!field.name || field.type === "password" || field.type === "hidden" ||
            field.type === "submit" || field.type === "file") return;
        if ((field.type === "checkbox" || field.type === "radio")) {
          if (field.checked) fields.push([index, field.name, field.value, true]);
        } else if (field.value && field.value !== field.defaultValue) {
          fields.push([index, field.name, field.value, false]);
        }
      });
    });
    if (fields.length) {
      sessionStorage.setItem(draftKey, JSON.stringify({ user: user, path: location.pathname, fields: fields }));
    }
  }
  function logOff() {
    saveDraft();
    const flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "idle";
    flag.value = "1";
    form.appendChild(flag);
    const back = document.createElement("input");
    back.type = "hidden";
    back.name = "next";
    back.value = location.pathname + location.search;
    form.appendChild(back);
    form.submit();
  }
  function warn() {
    dialog = document.createElement("dialog");
    dialog.className = "idle-warning";
    dialog.setAttribute("aria-labelledby", "idle-warning-title");
    dialog.innerHTML = '<h2 id="idle-warning-title">You will be logged off in a minute</h2>' +
      "<p>Nobody has used this screen for a while. To protect patients' records you will be " +
      "logged off; what you typed on this page will be offered back when you log in again.</p>" +
      '<p><button type="button" class="button" id="stay-logged-in">Stay logged in</button></p>';
    document.body.appendChild(dialog);
    dialog.querySelector("#stay-logged-in").addEventListener("click", function () {
      renewOnServer();
      reset();
    });
    dialog.showModal();
  }
  function reset() {
    if (dialog) { dialog.close(); dialog.remove(); dialog = null; }
    clearTimeout(warnTimer);
    clearTimeout(logOffTimer);
    warnTimer = setTimeout(warn, warnMs);
    logOffTimer = setTimeout(logOff, idleMs);
  }
  function activity() {
    if (dialog) return; // only the dialog's button keeps the session once it is shown
    if (Date.now() - lastRenewal > renewEveryMs) renewOnServer();
    reset();
  }
  ["keydown", "touchstart", "click", "input"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true });
  });
  reset();

  function restoreDraft() {
    const saved = sessionStorage.getItem(draftKey);
    if (!saved || !document.getElementById("logout-form")) return;
    const draft = JSON.parse(saved);
    if (draft.user !== user || draft.path !== location.pathname) {
      if (draft.user !== user) sessionStorage.removeItem(draftKey);
      return;
    }
    sessionStorage.removeItem(draftKey);
    const forms = document.querySelectorAll("main form");
    draft.fields.forEach(function (entry) {
      const target = forms[entry[0]];
      if (!target) return;
      target.querySelectorAll("[name='" + CSS.escape(entry[1]) + "']").forEach(function (field) {
        if (entry[3]) { if (field.value === entry[2]) field.checked = true; }
        else field.value = entry[2];
      });
    });
    const note = document.createElement("p");
    note.className = "restored-draft";
    note.setAttribute("role", "status");
    note.textContent = "What you typed before you were logged off has been put back. Check it, then save.";
    const main = document.querySelector("main");
    main.insertBefore(note, main.firstChild);
  }
})();

// After a failed submit, focus goes to the first field marked invalid (or the error summary).
document.addEventListener("DOMContentLoaded", function () {
  const invalid = document.querySelector("main [aria-invalid=true], main .error[role=alert]");
  if (!invalid) return;
  if (!invalid.matches("input, select, textarea, button, a")) invalid.setAttribute("tabindex", "-1");
  invalid.focus();
});

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
    if (event.target.closest && event.target.closest("[data-history-back]")) history.back();
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (history.length > 1) {
      document.querySelectorAll("[data-history-back]").forEach(function (button) { button.hidden = false; });
    }
  });
})();
