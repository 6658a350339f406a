// Asks for confirmation in a dialog of the page before submitting a form
// that has a data-confirm attribute (the question); with data-confirm-reason
// (the field's label) the dialog also asks for a reason, sent as the form's
// "reason"; data-confirm-ok names the confirming button. Kept out of inline handlers so the CSP can forbid inline script.
document.addEventListener("submit", function (e) {
  var form = e.target;
  var msg = form.getAttribute && form.getAttribute("data-confirm");
  if (!msg || form.getAttribute("data-confirmed")) return;
  var d = document.createElement("dialog");
  if (!d.showModal) return; // no dialog support: submit as it is
  e.preventDefault();
  var submitter = e.submitter;
  d.className = "dialog";
  d.innerHTML = '<form method="dialog" class="form"><h2></h2><div class="field reason" hidden><label></label>' +
    '<textarea rows="3" maxlength="200"></textarea></div><div class="form-actions">' +
    '<button class="btn btn-danger" value="ok"></button> <button class="btn btn-link" value="cancel">返回</button></div></form>';
  d.querySelector("h2").textContent = msg;
  d.querySelector('button[value="ok"]').textContent = form.getAttribute("data-confirm-ok") || "确定";
  var label = form.getAttribute("data-confirm-reason");
  if (label) {
    var field = d.querySelector(".reason");
    field.hidden = false;
    field.querySelector("label").textContent = label;
  }
  d.addEventListener("close", function () {
    if (d.returnValue === "ok") {
      if (label) {
        var input = form.querySelector('input[name="reason"]');
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = "reason";
          form.appendChild(input);
        }
        input.value = d.querySelector("textarea").value;
      }
      form.setAttribute("data-confirmed", "1");
      if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
    }
    d.remove();
  });
  document.body.appendChild(d);
  d.showModal();
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

// A button with data-print prints the page (the print record of a work order).
document.addEventListener("click", function (e) {
  var t = e.target.closest && e.target.closest("[data-print]");
  if (t) { e.preventDefault(); window.print(); }
});

// The staff navigation's groups (<details class="nav-group">): one open at
// a time; a click elsewhere or Escape closes them.
document.addEventListener("click", function (e) {
  document.querySelectorAll("details.nav-group[open]").forEach(function (d) {
    if (!d.contains(e.target)) d.removeAttribute("open");
  });
});
document.addEventListener("keydown", function (e) {
  if (e.key !== "Escape") return;
  document.querySelectorAll("details.nav-group[open]").forEach(function (d) {
    d.removeAttribute("open");
    d.querySelector("summary").focus();
  });
});
