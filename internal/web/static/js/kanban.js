// The opportunity kanban: drag a card to another column to move the deal.
// The move goes to the JSON API (POST /api/v1/opportunities/{id}/stage),
// which enforces the stage rules; when a move needs an amount (quote, won)
// or a reason (lost), or the server refuses it, the page's dialog asks and
// submits the regular form. Without script, each card's "移动到" form works.
(function () {
  var board = document.getElementById("kanban");
  if (!board) return;
  var dialog = document.getElementById("move-dialog");
  var dragged = null;
  var names = {};
  board.querySelectorAll(".kanban-col").forEach(function (col) {
    names[col.getAttribute("data-stage")] = col.getAttribute("aria-label");
  });

  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".kanban-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  board.addEventListener("dragover", function (e) {
    var col = e.target.closest && e.target.closest(".kanban-col");
    if (!col || !dragged) return;
    e.preventDefault();
    board.querySelectorAll(".drop-target").forEach(function (c) { if (c !== col) c.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });
  board.addEventListener("drop", function (e) {
    var col = e.target.closest && e.target.closest(".kanban-col");
    if (!col || !dragged) return;
    e.preventDefault();
    var stage = col.getAttribute("data-stage");
    var card = dragged;
    dragged = null;
    if (stage === card.getAttribute("data-stage")) return;
    if (stage === "delivered") { ask(card, stage, "交付须在订单页办理（登记车架号与车牌）"); return; }
    if (stage === "lost") { ask(card, stage, ""); return; }
    move(card, stage);
  });

  function move(card, stage) {
    var id = card.getAttribute("data-id");
    fetch("/api/v1/opportunities/" + id + "/stage", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ stage: stage })
    }).then(function (res) {
      if (res.ok) { window.location.reload(); return; }
      return res.json().then(function (body) {
        var msg = (body && body.error && body.error.message) || "移动失败，请重试";
        var fields = (body && body.error && body.error.fields) || {};
        msg = fields.amount || fields.lost_reason || fields.stage || msg;
        ask(card, stage, msg);
      });
    }).catch(function () { ask(card, stage, "网络异常，请重试"); });
  }

  function ask(card, stage, msg) {
    if (!dialog || !dialog.showModal) { if (msg) window.alert(msg); return; }
    var form = dialog.querySelector("form");
    form.setAttribute("action", "/sales/opportunities/" + card.getAttribute("data-id") + "/stage");
    form.querySelector('input[name="stage"]').value = stage;
    dialog.querySelector("#move-title").textContent = "把「" + card.getAttribute("data-name") + "」移到「" + (names[stage] || stage) + "」";
    dialog.querySelector("#move-amount-field").hidden = stage === "lost" || stage === "delivered";
    dialog.querySelector("#move-reason-field").hidden = stage !== "lost";
    var err = dialog.querySelector("#move-error");
    err.textContent = msg || "";
    err.hidden = !msg;
    dialog.showModal();
  }
})();
