// Asks for confirmation before submitting a form that has a data-confirm
// attribute (kept out of inline handlers so the CSP can forbid inline script).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
