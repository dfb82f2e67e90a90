/* cairn serve: editing in the browser (served at /_cairn/edit.js in serve
   mode only; every control below is made here, so without JavaScript or on
   the static site there is none). Board: drag a card to another column, or
   use its "Move to" menu; create an item. Item page: Edit. Writes go to the
   write API with the page's token (<meta name="cairn-token">). */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="cairn-token"]');
  if (!meta || !window.fetch) return;
  var token = meta.getAttribute("content");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  /* One polite live region for what happened (moves, saves, refusals). */
  var live = el("div", { id: "cairn-edit-status", role: "status", "aria-live": "polite", "class": "cairn-edit-status" });
  live.style.cssText = "position:fixed;right:1em;bottom:1em;max-width:32em;z-index:9999;padding:.6em 1em;border-radius:7px;background:#1d2b3a;color:#fff;font-size:.9rem;display:none";
  document.body.appendChild(live);
  var hideTimer = null;
  function say(msg, bad) {
    live.textContent = msg;
    live.style.display = msg ? "block" : "none";
    live.style.background = bad ? "#7a1d1d" : "#1d2b3a";
    live.setAttribute("data-kind", bad ? "error" : "ok");
    if (hideTimer) clearTimeout(hideTimer);
    if (!bad && msg) hideTimer = setTimeout(function () { say(""); }, 6000);
  }

  /* A write: resolves to {status, body} (body parsed when JSON). */
  function send(method, url, body, etag) {
    var h = { "Content-Type": "application/json", "X-Cairn-Token": token };
    if (etag) h["If-Match"] = '"' + etag + '"';
    return fetch(url, { method: method, headers: h, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (r) {
        return r.text().then(function (t) {
          var j = null;
          try { j = JSON.parse(t); } catch (_) {}
          return { status: r.status, body: j };
        });
      });
  }

  /* Why a write was refused, in words. */
  function reason(res) {
    var e = res.body && res.body.error;
    if (res.status === 412) return "changed on disk since you opened it — reload the page to see the new version";
    if (!e) return "the server answered " + res.status;
    var d = e.details && e.details.diagnostics;
    if (d && d.length) {
      return d.map(function (x) { return x.message + (x.help ? " (" + x.help + ")" : ""); }).join("; ");
    }
    return e.message;
  }

  var workflow = null;
  function loadWorkflow() {
    if (workflow) return Promise.resolve(workflow);
    return fetch("/_cairn/workflow.json").then(function (r) { return r.json(); }).then(function (w) {
      workflow = w;
      return w;
    });
  }
  function statusesOf(kind) {
    var k = (workflow.kinds || []).filter(function (x) { return x.name === kind; })[0];
    return k ? k.statuses : [];
  }
  /* Why `from` → `to` is refused for `kind` (null: allowed). */
  function refusal(kind, from, to) {
    if (from === to) return "already " + to.replace(/_/g, " ");
    if (statusesOf(kind).indexOf(to) < 0) return "a " + kind + " has no status `" + to + "`";
    var allowed = workflow.workflow && workflow.workflow[from];
    if (allowed && allowed.indexOf(to) < 0) {
      return "the workflow does not allow `" + from + "` → `" + to + "`" +
        (allowed.length ? " (only " + allowed.map(function (s) { return "`" + s + "`"; }).join(", ") + ")" : "");
    }
    return null;
  }

  // ----- the board -----------------------------------------------------------
  // A board page has one board; grouped by assignee or epic (assets/app.js
  // regroups the cards client-side) one per lane. A card moves between the
  // status columns of its own lane. The columns' events are delegated to
  // the document, so the lanes made after this script ran take drops too.
  if (document.querySelector(".board")) loadWorkflow().then(function () {
    setupBoard();
    setupCreate();
  }, function () {});

  function cardInfo(card) {
    var idEl = card.querySelector(".card-top .mono");
    var kind = "";
    card.className.split(/\s+/).forEach(function (c) { if (c.indexOf("k-") === 0) kind = c.slice(2); });
    return { id: idEl ? idEl.textContent.trim() : "", kind: kind };
  }
  /* A column's heading id is `col-<status>`, or `lane<n>-<status>` in a lane. */
  function columnStatus(col) {
    var h = (col && col.getAttribute("aria-labelledby")) || "";
    var m = /^(?:col|lane[0-9]+)-(.+)$/.exec(h);
    return m ? m[1] : null;
  }
  /* The column of a board (or lane) for `status`. */
  function columnOf(board, status) {
    var cols = board ? board.querySelectorAll(".column") : [];
    for (var k = 0; k < cols.length; k++) if (columnStatus(cols[k]) === status) return cols[k];
    return null;
  }

  function setupBoard() {
    var dragging = null;
    Array.prototype.forEach.call(document.querySelectorAll(".board .column"), function (col) {
      col.setAttribute("data-status", columnStatus(col) || "");
    });
    function colAt(ev) { return ev.target && ev.target.closest ? ev.target.closest(".board .column") : null; }
    document.addEventListener("dragover", function (ev) {
      var col = colAt(ev);
      if (!dragging || !col) return;
      // Every column accepts the drop; a refused one snaps back with why.
      ev.preventDefault();
      col.classList.add("cairn-drop");
    });
    document.addEventListener("dragleave", function (ev) {
      var col = colAt(ev);
      if (col) col.classList.remove("cairn-drop");
    });
    document.addEventListener("drop", function (ev) {
      var col = colAt(ev);
      if (!col) return;
      ev.preventDefault();
      col.classList.remove("cairn-drop");
      if (dragging) move(dragging, columnStatus(col));
    });
    Array.prototype.forEach.call(document.querySelectorAll(".board .card"), function (card) {
      var info = cardInfo(card);
      if (!info.id || !info.kind) return;
      card.setAttribute("draggable", "true");
      card.setAttribute("data-id", info.id);
      card.addEventListener("dragstart", function (ev) {
        dragging = card;
        card.classList.add("cairn-dragging");
        try { ev.dataTransfer.setData("text/plain", info.id); ev.dataTransfer.effectAllowed = "move"; } catch (_) {}
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("cairn-dragging");
        dragging = null;
      });
      // The keyboard path: a "Move to" menu on every card (the card's
      // status when the menu opens: it may have moved since).
      var sel = el("select", { "class": "cairn-move", "aria-label": "Move " + info.id + " to another status" });
      sel.style.cssText = "margin-top:.4em;font-size:.8rem;max-width:100%";
      function fill() {
        var from = columnStatus(card.closest(".column"));
        while (sel.options.length) sel.remove(0);
        sel.appendChild(el("option", { value: "" }, "Move to…"));
        statusesOf(info.kind).forEach(function (s) {
          if (s !== from) sel.appendChild(el("option", { value: s }, s.replace(/_/g, " ")));
        });
      }
      fill();
      sel.addEventListener("focus", fill);
      sel.addEventListener("change", function () {
        if (sel.value) move(card, sel.value);
        sel.value = "";
      });
      card.appendChild(sel);
    });
  }

  /* Moves a card to the column of `to`; puts it back if refused. */
  function move(card, to) {
    var info = cardInfo(card);
    var fromCol = card.closest(".column");
    var from = columnStatus(fromCol);
    var why = refusal(info.kind, from, to);
    if (why) {
      say("Cannot move " + info.id + ": " + why + ".", true);
      card.setAttribute("data-refused", why);
      return;
    }
    var home = card.parentNode, next = card.nextSibling;
    var board = card.closest(".board");
    var col = columnOf(board, to);
    var target = col && col.querySelector(".column-body");
    if (target) target.insertBefore(card, target.firstChild);
    card.setAttribute("aria-busy", "true");
    send("PATCH", "/api/v1/items/" + encodeURIComponent(info.id), { status: to }).then(function (res) {
      card.removeAttribute("aria-busy");
      if (res.status === 200) {
        card.removeAttribute("data-refused");
        say("Moved " + info.id + " to " + to.replace(/_/g, " ") + ".");
      } else {
        home.insertBefore(card, next);
        card.setAttribute("data-refused", reason(res));
        say("Cannot move " + info.id + ": " + reason(res) + ".", true);
      }
    }, function () {
      card.removeAttribute("aria-busy");
      home.insertBefore(card, next);
      say("Cannot move " + info.id + ": the server did not answer.", true);
    });
  }

  /* "New item" on the board: kind and title → POST. */
  function setupCreate() {
    var head = document.querySelector(".page-head");
    if (!head) return;
    var form = el("form", { "class": "cairn-create", "aria-label": "Create an item" });
    form.style.cssText = "display:flex;gap:.5em;flex-wrap:wrap;align-items:end;margin:.5em 0";
    var kind = el("select", { id: "cairn-new-kind", name: "kind" });
    (workflow.kinds || []).forEach(function (k) { kind.appendChild(el("option", { value: k.name }, k.name)); });
    var story = (workflow.kinds || []).filter(function (k) { return k.name === "story"; })[0];
    if (story) kind.value = "story";
    var title = el("input", { id: "cairn-new-title", name: "title", type: "text", required: "required", size: "40" });
    var lk = el("label", { "for": "cairn-new-kind" }, "Kind ");
    var lt = el("label", { "for": "cairn-new-title" }, "Title ");
    var go = el("button", { type: "submit", "class": "btn" }, "Create");
    form.appendChild(lk); form.appendChild(kind); form.appendChild(lt); form.appendChild(title); form.appendChild(go);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!title.value.trim()) return;
      go.disabled = true;
      send("POST", "/api/v1/items", { kind: kind.value, title: title.value.trim() }).then(function (res) {
        go.disabled = false;
        if (res.status === 201) {
          var id = res.body && res.body.data && res.body.data.id;
          title.value = "";
          say("Created " + id + ".");
        } else {
          say("Not created: " + reason(res) + ".", true);
        }
      }, function () { go.disabled = false; say("Not created: the server did not answer.", true); });
    });
    head.appendChild(form);
  }

  // ----- the item page ---------------------------------------------------------
  var m = /\/items\/([^\/]+)\.html$/.exec(decodeURIComponent(location.pathname));
  var itemHead = document.querySelector(".item-head");
  if (m && itemHead) setupItem(m[1], itemHead);

  function setupItem(id, head) {
    var btn = el("button", { type: "button", "class": "btn cairn-edit", "aria-expanded": "false" }, "Edit");
    head.appendChild(btn);
    var form = null;
    btn.addEventListener("click", function () {
      if (form) {
        var open = form.hidden;
        form.hidden = !open;
        btn.setAttribute("aria-expanded", String(open));
        return;
      }
      btn.disabled = true;
      Promise.all([fetch("/api/v1/items/" + encodeURIComponent(id)).then(function (r) { return r.json(); }), loadWorkflow()])
        .then(function (r) {
          btn.disabled = false;
          form = itemForm(id, r[0].data);
          head.parentNode.insertBefore(form, head.nextSibling);
          btn.setAttribute("aria-expanded", "true");
          var first = form.querySelector("input");
          if (first) first.focus();
        }, function () { btn.disabled = false; say("Cannot load " + id + ".", true); });
    });
  }

  var LISTS = { assignee: true, labels: true };
  function shown(o, f) {
    var v = o[f];
    if (v == null) return "";
    if (Array.isArray(v)) return v.join(", ");
    return String(v);
  }
  /* The form value of a field → its JSON value (null: remove it). */
  function value(f, s) {
    s = s.trim();
    if (f === "body") return s === "" ? null : s + (s.slice(-1) === "\n" ? "" : "\n");
    if (s === "") return null;
    if (LISTS[f]) {
      var parts = s.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
      return f === "assignee" && parts.length === 1 ? parts[0] : parts;
    }
    if (f === "estimate") {
      var n = Number(s);
      return isNaN(n) ? s : n;
    }
    return s;
  }

  function itemForm(id, o) {
    var etag = o.etag;
    var form = el("form", { "class": "panel cairn-item-form", "aria-label": "Edit " + id });
    form.style.cssText = "display:grid;gap:.5em;margin:1em 0";
    var fields = [
      ["title", "Title", "input"], ["status", "Status", "select"], ["assignee", "Assignee (comma-separated)", "input"],
      ["priority", "Priority", "input"], ["estimate", "Estimate", "input"], ["sprint", "Sprint", "input"],
      ["labels", "Labels (comma-separated)", "input"], ["body", "Description (Markdown)", "textarea"]
    ];
    var inputs = {}, initial = {};
    // While the form holds unsaved text, live reload leaves the page alone.
    window.cairnEditing = function () {
      if (form.hidden) return false;
      var dirty = Object.keys(inputs).some(function (f) { return inputs[f].value !== initial[f]; });
      if (dirty) say("This page changed on disk; your unsaved edits are kept (reload to see the new version).", true);
      return dirty;
    };
    fields.forEach(function (f) {
      var name = f[0], input;
      var fid = "cairn-edit-" + name;
      var label = el("label", { "for": fid }, f[1]);
      if (f[2] === "select") {
        input = el("select", { id: fid, name: name });
        var ss = statusesOf(o.kind);
        if (o.status && ss.indexOf(o.status) < 0) ss = [o.status].concat(ss);
        ss.forEach(function (s) { input.appendChild(el("option", { value: s }, s.replace(/_/g, " "))); });
      } else if (f[2] === "textarea") {
        input = el("textarea", { id: fid, name: name, rows: "12" });
        input.style.cssText = "width:100%;font:inherit;font-family:ui-monospace,monospace";
      } else {
        input = el("input", { id: fid, name: name, type: "text" });
      }
      input.value = name === "body" ? (o.body || "") : shown(o, name);
      initial[name] = input.value;
      inputs[name] = input;
      var row = el("div");
      row.appendChild(label);
      row.appendChild(el("br"));
      row.appendChild(input);
      form.appendChild(row);
    });
    var msg = el("p", { "class": "cairn-form-msg", role: "alert" });
    var save = el("button", { type: "submit", "class": "btn" }, "Save");
    var cancel = el("button", { type: "button", "class": "btn" }, "Cancel");
    var row = el("div");
    row.appendChild(save); row.appendChild(document.createTextNode(" ")); row.appendChild(cancel);
    form.appendChild(row);
    form.appendChild(msg);
    cancel.addEventListener("click", function () { location.reload(); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      // Only what the user changed: a merge patch of those keys.
      var patch = {}, any = false;
      Object.keys(inputs).forEach(function (f) {
        if (inputs[f].value !== initial[f]) { patch[f] = value(f, inputs[f].value); any = true; }
      });
      if (!any) { msg.textContent = "Nothing changed."; return; }
      save.disabled = true;
      msg.textContent = "Saving…";
      send("PATCH", "/api/v1/items/" + encodeURIComponent(id), patch, etag).then(function (res) {
        save.disabled = false;
        if (res.status === 200) {
          etag = res.body && res.body.data && res.body.data.etag;
          Object.keys(inputs).forEach(function (f) { initial[f] = inputs[f].value; });
          msg.textContent = "Saved.";
          say("Saved " + id + ".");
        } else {
          // The user's text stays in the form.
          msg.textContent = "Not saved: " + reason(res) + ".";
        }
      }, function () { save.disabled = false; msg.textContent = "Not saved: the server did not answer."; });
    });
    return form;
  }
})();
