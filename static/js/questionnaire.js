// The questionnaire page: every answer saves as it is given (htmx posts one competency's fieldset),
// and on a phone each competency's level descriptions fold behind one button.
// Without this file the page still works: its Save buttons post the whole form.
(() => {
  const form = document.querySelector("form[data-questionnaire]");
  if (!form) {
    return;
  }
  document.documentElement.classList.add("js");

  // Phone: "Show what each level means" opens and closes the descriptions and behaviours of one competency.
  form.addEventListener("click", (event) => {
    const toggle = event.target.closest(".level-details-toggle");
    if (!toggle) {
      return;
    }
    const fieldset = toggle.closest("fieldset");
    const shown = fieldset.classList.toggle("details-shown");
    toggle.setAttribute("aria-expanded", shown ? "true" : "false");
    toggle.textContent = shown ? "Hide what each level means" : "Show what each level means";
  });

  const htmx = window.htmx;
  if (!htmx || !form.querySelector("fieldset[data-answer-url]")) {
    return; // read-only, or htmx missing: the Save buttons stay
  }
  document.documentElement.classList.add("autosave");
  const TYPING_PAUSE = 800;
  const timers = new WeakMap();

  const statusOf = (fieldset) => fieldset.querySelector(".save-status");
  const say = (fieldset, text, kind) => {
    const status = statusOf(fieldset);
    status.textContent = "";
    const span = document.createElement("span");
    span.className = kind === "error" ? "text-danger" : "text-body-secondary";
    span.textContent = text;
    status.appendChild(span);
  };
  const chosen = (fieldset) => fieldset.querySelector("input[type=radio]:checked");

  const save = (fieldset) => {
    clearTimeout(timers.get(fieldset));
    if (!chosen(fieldset)) {
      say(fieldset, "Choose a level or “Not observed”: your comment is saved with it.", "hint");
      return;
    }
    delete fieldset.dataset.dirty;
    htmx.trigger(fieldset, "autosave");
  };

  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-answer-url]");
    if (!fieldset) {
      return;
    }
    if (event.target.type === "radio" || fieldset.dataset.dirty) {
      save(fieldset); // a level chosen, or the comment left after typing
    }
  });

  form.addEventListener("input", (event) => {
    const fieldset = event.target.closest("fieldset[data-answer-url]");
    if (!fieldset || event.target.tagName !== "TEXTAREA") {
      return;
    }
    if (!fieldset.dataset.dirty) {
      say(fieldset, "Not saved yet…", "hint"); // once, not at every key: the status is read out
    }
    fieldset.dataset.dirty = "1";
    clearTimeout(timers.get(fieldset));
    timers.set(fieldset, setTimeout(() => save(fieldset), TYPING_PAUSE));
  });

  // Enter on a level does not send the whole page: the answer is already saved.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.type === "radio") {
      event.preventDefault();
    }
  });

  // The server answers 400 (invalid) and 409 (closed, submitted) with a fragment worth showing.
  // Anything else without our marker (a sign-in page after the session ended, an error page) is not shown.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const fieldset = event.detail.elt;
    if (!fieldset.matches || !fieldset.matches("fieldset[data-answer-url]")) {
      return;
    }
    const xhr = event.detail.xhr;
    if (!xhr.getResponseHeader("X-Answer-Status")) {
      event.detail.shouldSwap = false;
      fieldset.dataset.dirty = "1";
      say(fieldset, "Not saved: reload the page (you may have been signed out). Your choice is still on this page.", "error");
      return;
    }
    if (xhr.status === 400 || xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // No connection: keep the answer marked unsaved and try again when the connection returns.
  document.body.addEventListener("htmx:sendError", (event) => {
    const fieldset = event.detail.elt;
    if (fieldset.matches && fieldset.matches("fieldset[data-answer-url]")) {
      fieldset.dataset.dirty = "1";
      say(fieldset, "Not saved: no connection. It saves when the connection is back.", "error");
    }
  });
  window.addEventListener("online", () => {
    form.querySelectorAll("fieldset[data-dirty]").forEach((fieldset) => save(fieldset));
  });

  // Closing the page while a comment waits for its pause: send it anyway.
  window.addEventListener("pagehide", () => {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    form.querySelectorAll("fieldset[data-dirty]").forEach((fieldset) => {
      if (!chosen(fieldset) || !navigator.sendBeacon) {
        return;
      }
      const data = new FormData();
      data.append("csrfmiddlewaretoken", token ? token.value : "");
      fieldset.querySelectorAll("input[type=radio]:checked, textarea").forEach((input) => {
        data.append(input.name, input.value);
      });
      navigator.sendBeacon(fieldset.dataset.answerUrl, data);
      delete fieldset.dataset.dirty;
    });
  });
})();
