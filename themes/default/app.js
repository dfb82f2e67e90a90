// cairn: optional enhancements. Every page works without this script.
// Table sorting (click a header or press Enter on it), filtering (text
// box and selects), and the header search (backlog.html?q=...).
(function () {
  "use strict";
  function text(el) { return (el.textContent || "").trim().toLowerCase(); }
  // A priority sorts by its rank (the backlog's rows carry no data-value).
  var RANKS = ["highest", "high", "medium", "low", "lowest"];
  function cellValue(row, i, kind) {
    var c = row.cells[i];
    if (!c) return kind === "num" ? -Infinity : "";
    var v = c.getAttribute("data-value");
    var prio = v === null && c.querySelector(".prio");
    if (prio) { var r = RANKS.indexOf(text(prio)); return r < 0 ? 2 : r; }
    if (kind === "num") { var n = parseFloat(v !== null ? v : c.textContent); return isNaN(n) ? -Infinity : n; }
    return v !== null ? v : text(c);
  }
  // The value a filter select compares: the row's `data-<col>`, else the
  // text of the column headed `<col>` (spaces read as `_`: "in progress"
  // is status `in_progress`).
  function filterValue(row, col) {
    var v = row.getAttribute("data-" + col);
    if (v !== null) return v;
    var table = row.closest("table"), heads = table ? table.tHead.rows[0].cells : [];
    for (var k = 0; k < heads.length; k++) {
      if (text(heads[k]) === col) return row.cells[k] ? text(row.cells[k]).replace(/ /g, "_") : "";
    }
    return "";
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
      selects.forEach(function (s) { if (ok && s.value && filterValue(row, s.getAttribute("data-filter-col")).toLowerCase() !== s.value.toLowerCase()) ok = false; });
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
  // A sprint's board, grouped by assignee or epic ("Group by"): the same
  // cards in lanes, each lane with the status columns. Without the script
  // the board is complete, grouped by status. The cards carry what it
  // needs: their first person; the page lists each epic's cards.
  var group = document.querySelector("select[data-group]");
  var board0 = group && document.querySelector(".board");
  if (board0) {
    var cols0 = Array.prototype.slice.call(board0.querySelectorAll(".column"));
    var status = function (col) { return (col.getAttribute("aria-labelledby") || "").replace(/^(col|lane[0-9]+)-/, ""); };
    cols0.forEach(function (c) { c.setAttribute("data-status", status(c)); });
    Array.prototype.forEach.call(board0.querySelectorAll(".card"), function (c, k) { c.setAttribute("data-k", k); });
    var epicOf = {}, epics = [];
    document.querySelectorAll(".board-epics li").forEach(function (li, k) {
      epics.push(li.textContent);
      (li.getAttribute("data-ids") || "").split(" ").forEach(function (id) { epicOf[id] = k; });
    });
    var cut = !!board0.querySelector(".column-body .empty a");
    var lanes = document.createElement("div");
    board0.parentNode.insertBefore(lanes, board0.nextSibling);
    var put = function (body, card) {
      var note = body.querySelector(":scope > p.empty");
      body.insertBefore(card, note);
      if (note && !/more/.test(note.textContent)) note.hidden = true;
    };
    var regroup = function (by) {
      var cards = Array.prototype.slice.call(document.querySelectorAll(".board .card"));
      cards.sort(function (a, b) { return a.getAttribute("data-k") - b.getAttribute("data-k"); });
      var at = cards.map(function (c) { return status(c.closest(".column")); });
      if (!by) {
        cards.forEach(function (c, k) {
          var col = board0.querySelector('.column[data-status="' + at[k] + '"] .column-body');
          if (col) put(col, c);
        });
        lanes.textContent = "";
        board0.hidden = false;
        return;
      }
      var keyOf = function (c) {
        if (by === "assignee") {
          var p = c.querySelector(".person");
          return p ? p.textContent : "";
        }
        var id = c.querySelector(".card-top .mono");
        var e = id ? epicOf[id.textContent] : undefined;
        return e === undefined ? "" : e;
      };
      var keys = [], of = {};
      cards.forEach(function (c, k) {
        var key = keyOf(c);
        if (!(key in of)) { of[key] = []; keys.push(key); }
        of[key].push(k);
      });
      keys.sort(function (x, y) { return x === "" ? 1 : y === "" ? -1 : x < y ? -1 : x > y ? 1 : 0; });
      var box = document.createDocumentFragment();
      if (cut) {
        var p = document.createElement("p");
        p.className = "note";
        p.textContent = "The lanes group the cards drawn above (a column draws at most 100); the backlog lists every item.";
        box.appendChild(p);
      }
      keys.forEach(function (key, n) {
        var lane = document.createElement("section"), head = document.createElement("h2"), row = document.createElement("div");
        lane.className = "lane";
        lane.setAttribute("aria-labelledby", "lane" + n);
        head.id = "lane" + n;
        head.className = "lane-head";
        head.textContent = key === "" ? (by === "assignee" ? "Unassigned" : "No epic") : by === "assignee" ? key : epics[key];
        var count = document.createElement("span");
        count.className = "count";
        count.textContent = of[key].length;
        head.appendChild(document.createTextNode(" "));
        head.appendChild(count);
        row.className = "board";
        cols0.forEach(function (c0) {
          var st = c0.getAttribute("data-status"), col = document.createElement("section");
          var h = document.createElement("h3"), body = document.createElement("div");
          col.className = c0.className;
          col.setAttribute("aria-labelledby", "lane" + n + "-" + st);
          col.setAttribute("data-status", st);
          h.id = "lane" + n + "-" + st;
          h.className = "column-head";
          var h0 = c0.querySelector(".column-head");
          Array.prototype.forEach.call(h0.childNodes, function (x) { if (!(x.classList && x.classList.contains("pts"))) h.appendChild(x.cloneNode(true)); });
          body.className = "column-body";
          var mine = of[key].filter(function (k) { return at[k] === st; });
          mine.forEach(function (k) { body.appendChild(cards[k]); });
          if (!mine.length) {
            var e = document.createElement("p");
            e.className = "empty";
            e.textContent = "Nothing here";
            body.appendChild(e);
          }
          var hc = h.querySelector(".count");
          if (hc) hc.textContent = mine.length;
          col.appendChild(h);
          col.appendChild(body);
          row.appendChild(col);
        });
        lane.appendChild(head);
        lane.appendChild(row);
        box.appendChild(lane);
      });
      lanes.textContent = "";
      lanes.appendChild(box);
      board0.hidden = true;
    };
    // The address (`?group=epic`) or the last choice in this tab.
    var saved = new URLSearchParams(window.location.search).get("group");
    try { if (saved === null) saved = sessionStorage.getItem("cairn-group"); } catch (_) {}
    group.parentNode.hidden = false;
    if (saved && group.querySelector('option[value="' + saved + '"]')) { group.value = saved; regroup(saved); }
    group.addEventListener("change", function () {
      try { sessionStorage.setItem("cairn-group", group.value); } catch (_) {}
      regroup(group.value);
    });
  }
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
