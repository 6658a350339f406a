// Asks for confirmation before submitting a form that has a data-confirm
// attribute (kept out of inline handlers so the CSP can forbid inline script).
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
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
