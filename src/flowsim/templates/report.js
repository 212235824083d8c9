// Sortable tables: select a column heading to sort the rows by it, again to reverse.
// Cells sort by their data-value (the raw number) where they have one; empty ones last.
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-value");
    if (raw === null) return cell.textContent.trim();
    return raw === "" ? null : raw;
  }
  function sort(table, th) {
    var column = th.cellIndex;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var numeric = rows.every(function (row) {
      var value = key(row.cells[column]);
      return value === null || (row.cells[column].hasAttribute("data-value") && isFinite(value));
    });
    rows.sort(function (first, second) {
      var a = key(first.cells[column]);
      var b = key(second.cells[column]);
      if (a === null || b === null) return (a === null) - (b === null);
      var order = numeric ? Number(a) - Number(b) : a.localeCompare(b, undefined, {numeric: true});
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(th.parentNode.cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.addEventListener("click", function () { sort(table, th); });
    });
  });
})();
