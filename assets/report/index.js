/* Sightline index page: filter sessions by risk and kind. */
(function () {
  "use strict";
  var risk = document.getElementById("filter-risk");
  var kind = document.getElementById("filter-kind");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.session"));
  function apply() {
    rows.forEach(function (row) {
      var shown = (!risk.value || row.dataset.risk === risk.value) && (!kind.value || row.dataset.kind === kind.value);
      row.style.display = shown ? "" : "none";
    });
  }
  if (risk && kind) { risk.addEventListener("change", apply); kind.addEventListener("change", apply); }
})();
