// cairn: optional enhancements. Every page works without this script.
// Table sorting (click a header or press Enter on it), filtering (text
// box and selects), and the header search (backlog.html?q=...).
(function () {
  "use strict";
  function text(el) { return (el.textContent || "").trim().toLowerCase(); }
  function cellValue(row, i, kind) {
    var c = row.cells[i];
    if (!c) return kind === "num" ? -Infinity : "";
    var v = c.getAttribute("data-value");
    if (kind === "num") { var n = parseFloat(v !== null ? v : c.textContent); return isNaN(n) ? -Infinity : n; }
    return v !== null ? v : text(c);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("th[data-sort]");
    // The order the page was written in (the backlog's rank), to go back to.
    var body0 = table.tBodies[0];
    var initial = body0 ? Array.prototype.slice.call(body0.rows) : [];
    document.querySelectorAll("[data-sort-reset]").forEach(function (btn) {
      if (document.querySelector(btn.getAttribute("data-sort-reset")) !== table) return;
      btn.hidden = false;
      btn.addEventListener("click", function () {
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        var frag = document.createDocumentFragment();
        initial.forEach(function (r) { frag.appendChild(r); });
        body0.appendChild(frag);
      });
    });
    heads.forEach(function (th, i) {
      th.tabIndex = 0;
      th.setAttribute("role", "columnheader button");
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var kind = th.getAttribute("data-sort");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, i, kind), y = cellValue(b, i, kind);
          var r = x < y ? -1 : x > y ? 1 : 0;
          return asc ? r : -r;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r); });
        body.appendChild(frag);
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });
  function applyFilters(table) {
    if (!table || !table.tBodies[0]) return;
    var box = document.querySelector('[data-filter="#' + table.id + '"]') || document.querySelector('[data-filter$="' + (table.parentNode && table.parentNode.parentNode && table.parentNode.parentNode.id ? table.parentNode.parentNode.id : "\u0000") + ' .events"]');
    var q = box ? box.value.trim().toLowerCase() : "";
    var selects = document.querySelectorAll('[data-filter-target="#' + table.id + '"]');
    var shown = 0, rows = table.tBodies[0].rows;
    for (var k = 0; k < rows.length; k++) {
      var row = rows[k], ok = !q || text(row).indexOf(q) !== -1;
      selects.forEach(function (s) { if (ok && s.value && row.getAttribute("data-" + s.getAttribute("data-filter-col")) !== s.value) ok = false; });
      row.hidden = !ok;
      if (ok) shown++;
    }
    var count = document.querySelector('[data-count-for="#' + table.id + '"]');
    if (count) count.textContent = shown + " of " + rows.length + " shown";
  }
  document.querySelectorAll("[data-filter]").forEach(function (input) {
    var table = document.querySelector(input.getAttribute("data-filter"));
    if (table && table.tagName !== "TABLE") table = table.querySelector("table");
    if (!table) return;
    if (!table.id) table.id = "t" + Math.random().toString(36).slice(2);
    input.setAttribute("data-filter", "#" + table.id);
    input.addEventListener("input", function () { applyFilters(table); });
  });
  document.querySelectorAll("[data-filter-target]").forEach(function (s) {
    s.addEventListener("change", function () { applyFilters(document.querySelector(s.getAttribute("data-filter-target"))); });
  });
  // A box that scrolls sideways (wide tables) says so under it.
  document.querySelectorAll(".table-wrap").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      var p = document.createElement("p");
      p.className = "js-scroll-hint";
      p.setAttribute("aria-hidden", "true");
      p.textContent = "Scroll sideways for more \u2192";
      box.parentNode.insertBefore(p, box.nextSibling);
    }
  });
  // Header search lands on the backlog with ?q=...
  var params = new URLSearchParams(window.location.search);
  var q = params.get("q");
  if (q) {
    var box = document.querySelector("[data-filter]");
    var head = document.getElementById("q");
    if (head) head.value = q;
    if (box) { box.value = q; box.dispatchEvent(new Event("input")); }
  }
})();
