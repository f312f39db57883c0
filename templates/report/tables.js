/* Inlined into the HTML report and the scan dashboard: filter and sort for every
   table.filterable. Click a header to sort (again to reverse); type in the box to keep
   the rows holding the text; the selects keep rows whose data-<key> matches. Group rows
   (tr.group) stay on top of their tbody and hide when none of their rows are shown. */
(function () {
  "use strict";
  function text(cell) { return (cell ? cell.textContent : "").trim(); }
  function key(v) { var n = Number(v.replace(/[,，%]/g, "")); return v !== "" && !isNaN(n) ? [0, n, v] : [1, 0, v]; }
  function compare(a, b) {
    if (a[0] !== b[0]) { return a[0] - b[0]; }
    if (a[0] === 0 && a[1] !== b[1]) { return a[1] - b[1]; }
    return a[2].localeCompare(b[2], "zh-CN");
  }
  function rows(tbody) { return Array.prototype.filter.call(tbody.rows, function (r) { return !r.classList.contains("group"); }); }
  function sortBy(table, col, th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (tbody) {
      var list = rows(tbody).map(function (r) { return [key(r.cells[col] && r.cells[col].dataset.sort !== undefined ? r.cells[col].dataset.sort : text(r.cells[col])), r]; });
      list.sort(function (a, b) { return dir * compare(a[0], b[0]); });
      list.forEach(function (p) { tbody.appendChild(p[1]); });
    });
  }
  function apply(table, bar) {
    var needle = (bar.querySelector("input[type=search]") || { value: "" }).value.trim().toLowerCase();
    var selects = bar.querySelectorAll("select[data-key]");
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies, function (tbody) {
      var any = false;
      rows(tbody).forEach(function (r) {
        var ok = !needle || r.textContent.toLowerCase().indexOf(needle) >= 0;
        Array.prototype.forEach.call(selects, function (s) { if (s.value && r.dataset[s.dataset.key] !== s.value) { ok = false; } });
        r.hidden = !ok; any = any || ok; if (ok) { shown += 1; }
      });
      Array.prototype.forEach.call(tbody.querySelectorAll("tr.group"), function (g) { g.hidden = !any; });
    });
    var count = bar.querySelector(".shown");
    if (count) { count.textContent = "显示 " + shown + " 项"; }
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.filterable"), function (table) {
    if (!table.tHead) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.classList.add("sortable"); th.title = "点击排序";
      th.addEventListener("click", function () { sortBy(table, col, th); });
    });
    var bar = document.querySelector('.filterbar[data-for="' + table.id + '"]');
    if (bar) {
      Array.prototype.forEach.call(bar.querySelectorAll("input, select"), function (el) {
        el.addEventListener("input", function () { apply(table, bar); });
        el.addEventListener("change", function () { apply(table, bar); });
      });
    }
  });
})();
