// Proficio's own behaviour, kept out of the HTML so that the Content-Security-Policy can forbid inline scripts.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches && target.matches("select[data-navigate]") && target.value) {
    window.location.assign(target.value);
  }
});
