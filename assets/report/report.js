/* Sightline session page: the player, click-to-seek from the strip and the table, and keys
   (n / p: next / previous HIGH or CRITICAL command). Contract: button.mark and tr.entry carry
   data-index, data-offset (seconds), data-risk; window.sightline exposes the player. */
(function () {
  "use strict";
  var castNode = document.getElementById("cast");
  var container = document.getElementById("player");
  if (!castNode || !container || typeof AsciinemaPlayer === "undefined") { return; }
  var cast = JSON.parse(castNode.textContent);
  var marks = Array.prototype.slice.call(document.querySelectorAll("button.mark"));
  // No poster: a poster at some time would move the player there, and n (next risky command)
  // counts from the player's time, so a fresh page starts at 0.
  var options = { fit: "width", preload: true, controls: true };
  var player = AsciinemaPlayer.create({ data: cast }, container, options);
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.entry"));
  var risky = marks.filter(function (m) { return m.dataset.risk === "HIGH" || m.dataset.risk === "CRITICAL"; })
    .sort(function (a, b) { return parseFloat(a.dataset.offset) - parseFloat(b.dataset.offset); });
  var state = { player: player, ready: false, pending: null, seek: seek };
  window.sightline = state;

  function highlight(index) {
    rows.forEach(function (row) { row.classList.toggle("current", row.dataset.index === String(index)); });
    marks.forEach(function (mark) { mark.classList.toggle("current", mark.dataset.index === String(index)); });
  }

  function seek(index) {
    var mark = marks.filter(function (m) { return m.dataset.index === String(index); })[0];
    if (!mark) { return Promise.resolve(); }
    var offset = parseFloat(mark.dataset.offset);
    state.pending = offset;
    highlight(index);
    var row = document.getElementById("cmd-" + index);
    if (row && row.scrollIntoView) { row.scrollIntoView({ block: "nearest" }); }
    return Promise.resolve(player.seek(offset)).then(function (done) {
      if (state.pending === offset) { state.pending = null; }
      return done;
    });
  }

  /* Where the reviewer is: the target of a jump still in progress, else the player's time
     (so n / p also work after playing or scrubbing). */
  function position() {
    return state.pending !== null ? state.pending : player.getCurrentTime();
  }

  marks.forEach(function (mark) {
    mark.addEventListener("click", function () { seek(mark.dataset.index); });
  });
  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest && (target.closest("details") || (target.closest("a") && !target.closest("a.offset")))) { return; }
      event.preventDefault();
      seek(row.dataset.index);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
    var next = null;
    var at = position();
    if (event.key === "n") {
      next = risky.filter(function (m) { return parseFloat(m.dataset.offset) > at + 1e-3; })[0];
    } else if (event.key === "p") {
      var before = risky.filter(function (m) { return parseFloat(m.dataset.offset) < at - 1e-3; });
      next = before[before.length - 1];
    }
    if (next) { event.preventDefault(); seek(next.dataset.index); }
  });
  state.ready = true;
})();
