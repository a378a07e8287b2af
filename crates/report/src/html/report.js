"use strict";
// Progressive enhancement: the table is complete without this script;
// with it, headers sort and the controls filter the rows.
(function () {
  var table = document.getElementById("findings-table");
  var controls = document.getElementById("controls");
  if (!table || !controls) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var boxes = Array.prototype.slice.call(controls.querySelectorAll("input[type=checkbox][data-severity]"));
  var count = document.getElementById("shown-count");
  controls.hidden = false;

  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    if (numeric) { return Number(cell.getAttribute("data-key")); }
    return cell.getAttribute("data-key") || cell.textContent;
  }

  function sortBy(th) {
    var index = th.cellIndex;
    var numeric = th.getAttribute("data-type") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var order = rows.map(function (row, position) { return { row: row, position: position }; });
    order.sort(function (a, b) {
      var x = cellKey(a.row, index, numeric);
      var y = cellKey(b.row, index, numeric);
      var c = numeric ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      if (!ascending) { c = -c; }
      return c !== 0 ? c : a.position - b.position;
    });
    order.forEach(function (o) { body.appendChild(o.row); });
  }

  function apply() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
    var allowed = {};
    boxes.forEach(function (box) { allowed[box.getAttribute("data-severity")] = box.checked; });
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var ok = allowed[row.getAttribute("data-severity")] !== false &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      row.classList.toggle("hidden-row", !ok);
      if (ok) { shown++; }
    });
    count.textContent = shown + " of " + rows.length + " shown";
  }

  var heads = table.tHead.rows[0].cells;
  for (var i = 0; i < heads.length; i++) {
    (function (th) {
      th.classList.add("sortable");
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
      });
    })(heads[i]);
  }
  filter.addEventListener("input", apply);
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  apply();
})();
