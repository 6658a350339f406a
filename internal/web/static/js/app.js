// Asks for confirmation before submitting a form that has a data-confirm
// attribute (kept out of inline handlers so the CSP can forbid inline script).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});

// Opens the page's <dialog> named by a button's data-dialog attribute (a
// confirmation with a reason field, for instance); a dialog rendered with
// data-open (its form came back with an error) opens on load.
document.addEventListener("click", function (e) {
  var t = e.target.closest && e.target.closest("[data-dialog]");
  if (!t) return;
  var d = document.getElementById(t.getAttribute("data-dialog"));
  if (d && d.showModal) { e.preventDefault(); d.showModal(); }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("dialog[data-open]").forEach(function (d) { if (d.showModal) d.showModal(); });
});

// A page rendered in answer to a failed form POST names its GET address in
// data-replace-url: the POST entry of the history becomes that address, so a
// refresh loads the form again instead of submitting it a second time
// (Post/Redirect/Get without losing the user's values and the errors).
(function () {
  var u = document.body && document.body.getAttribute("data-replace-url");
  if (u && u.charAt(0) === "/" && u.charAt(1) !== "/" && window.history && history.replaceState) {
    history.replaceState(null, "", u);
  }
})();
