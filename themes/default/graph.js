// cairn: zoom, pan and filters over a static graph drawing (graph views,
// focus views, impact pages). The drawing and the lists beside it are the
// content; without this script the drawing scrolls in its box.
//
// Zoom: the + / − / Fit / 100% buttons, Ctrl or ⌘ + wheel, a trackpad or
// touch pinch, and the keys + − 0 1 on the focused picture. Pan: drag, the
// wheel, or the arrow keys. Filters dim (or hide) the nodes whose data-kind,
// data-status, data-labels or data-sprint differ, and the depth switch of a
// focus view hides the nodes further than the chosen distance. A view's
// address `#n-<id>` focuses it on that item the same way.
(function () {
  "use strict";
  var MAX = 4;
  function round(v) { return Math.round(v * 10) / 10; }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  // The toolbar, made here (a page carries none: every view's would be the
  // same bytes): zoom, the depth switch (shown on a focus view, or when the
  // address names a node) and the filters, whose values are the nodes'
  // data-kind, data-status, data-labels and data-sprint.
  function buildTools(tools, svg, focusView) {
    var zoom = el("div", { "class": "graph-zoom", role: "group", "aria-label": "Zoom" });
    [["in", "+", "Zoom in", "Zoom in (+)"], ["out", "\u2212", "Zoom out", "Zoom out (\u2212)"],
     ["fit", "Fit", "", "Fit the whole picture (0)"], ["reset", "100%", "", "Actual size (1)"]].forEach(function (z) {
      var b = el("button", { type: "button", "class": "btn", "data-zoom": z[0], title: z[3] }, z[1]);
      if (z[2]) b.setAttribute("aria-label", z[2]);
      zoom.appendChild(b);
    });
    tools.appendChild(zoom);
    var depth = el("div", { "class": "graph-depth", role: "group", "aria-label": "Distance shown" });
    depth.hidden = !focusView;
    [1, 2, 3].forEach(function (d) {
      depth.appendChild(el("button", { type: "button", "class": "btn", "data-depth": String(d), "aria-pressed": d === 3 ? "true" : "false" },
        d + (d === 1 ? " step" : " steps")));
    });
    if (!focusView) {
      depth.appendChild(document.createTextNode(" "));
      depth.appendChild(el("button", { type: "button", "class": "btn", "data-focus-clear": "" }, "Show all"));
    }
    tools.appendChild(depth);
    var values = { kind: [], status: [], labels: [], sprint: [] };
    Array.prototype.forEach.call(svg.querySelectorAll(".node"), function (n) {
      ["kind", "status", "labels", "sprint"].forEach(function (a) {
        var v = n.getAttribute("data-" + a);
        (v ? (a === "labels" ? v.split("|") : [v]) : []).forEach(function (x) {
          if (values[a].indexOf(x) < 0) values[a].push(x);
        });
      });
    });
    values.labels.sort();
    values.sprint.sort();
    var filters = el("div", { "class": "graph-filters" });
    [["kind", "Kind", 2], ["status", "Status", 2], ["labels", "Label", 1], ["sprint", "Sprint", 1]].forEach(function (f) {
      if (values[f[0]].length < f[2]) return;
      var label = el("label", {}, f[1] + " "), sel = el("select", { "data-graph-filter": f[0] });
      sel.appendChild(el("option", { value: "" }, "all"));
      values[f[0]].forEach(function (v) { sel.appendChild(el("option", { value: v }, v.replace(/_/g, " "))); });
      label.appendChild(sel);
      filters.appendChild(label);
    });
    var hide = el("label", { "class": "graph-hide" });
    hide.appendChild(el("input", { type: "checkbox", "data-graph-hide": "" }));
    hide.appendChild(document.createTextNode(" hide the others"));
    filters.appendChild(hide);
    filters.appendChild(el("span", { "class": "muted small", "data-graph-count": "", "aria-live": "polite" }));
    tools.appendChild(filters);
  }

  function setup(fig) {
    var box = fig.querySelector(".graph-scroll");
    var svg = box && box.querySelector("svg");
    if (!svg) return;
    var W = parseFloat(svg.getAttribute("width")), H = parseFloat(svg.getAttribute("height"));
    if (!(W > 0 && H > 0)) return;
    var tools = fig.querySelector(".graph-tools");
    if (tools && !tools.firstElementChild) buildTools(tools, svg, fig.hasAttribute("data-focus-view"));
    if (tools) tools.hidden = false;
    var hint = fig.querySelector(".zoom-hint");
    if (hint) hint.hidden = false;
    fig.classList.add("is-zoomable");
    box.style.height = Math.round(Math.max(240, Math.min(window.innerHeight * 0.72, H + 2))) + "px";
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    var st = { x: 0, y: 0, s: 1 };
    function size() { return { w: box.clientWidth || W, h: box.clientHeight || H }; }
    function fitScale() { var z = size(); return Math.min(z.w / W, z.h / H, 1); }
    function minScale() { return Math.min(0.1, fitScale()); }
    function apply() {
      var z = size();
      svg.setAttribute("viewBox", [st.x, st.y, z.w / st.s, z.h / st.s].map(round).join(" "));
      fig.setAttribute("data-scale", String(round(st.s)));
    }
    function center(s) {
      var z = size();
      st.s = s;
      st.x = (W - z.w / s) / 2;
      st.y = (H - z.h / s) / 2;
      // A wide picture starts at its left end (what everything waits on).
      if (z.w / s < W) st.x = 0;
      if (z.h / s < H) st.y = 0;
      apply();
    }
    // A box's size: its attributes, else the style sheet's (a page's
    // drawing sizes its boxes in CSS).
    function rw(r) { return parseFloat(r.getAttribute("width")) || r.getBBox().width; }
    function rh(r) { return parseFloat(r.getAttribute("height")) || r.getBBox().height; }
    // A box's corner: its attributes, else its node's place (a page's
    // drawing moves each node to its place, the box at the node's origin).
    function rx(r, a) {
      var v = r.getAttribute(a);
      if (v !== null) return parseFloat(v);
      var m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(r.parentNode.getAttribute("transform") || "");
      return m ? parseFloat(m[a === "x" ? 1 : 2]) : 0;
    }
    // The part of the picture around the nodes shown (all but the hidden).
    function fitShown() {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      svg.querySelectorAll(".node:not(.is-far) rect").forEach(function (r) {
        var x = rx(r, "x"), y = rx(r, "y");
        x0 = Math.min(x0, x); y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + rw(r));
        y1 = Math.max(y1, y + rh(r));
      });
      if (!(x1 > x0)) return center(fitScale());
      var z = size(), pad = 24, bw = x1 - x0 + 2 * pad, bh = y1 - y0 + 2 * pad;
      // Readable first: at 60 % or more, around the center item when the
      // nodes shown do not fit (a phone).
      var s = Math.max(0.6, Math.min(1, z.w / bw, z.h / bh));
      var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, c = svg.querySelector(".node.center rect");
      if (c && (bw * s > z.w || bh * s > z.h)) {
        cx = rx(c, "x") + rw(c) / 2;
        cy = rx(c, "y") + rh(c) / 2;
      }
      st.s = s;
      st.x = cx - z.w / s / 2;
      st.y = cy - z.h / s / 2;
      // Keep the whole of a small picture in view.
      if (z.w / s >= W) st.x = (W - z.w / s) / 2;
      if (z.h / s >= H) st.y = (H - z.h / s) / 2;
      apply();
    }
    // Start readable: the whole picture if it fits at 65 % or more, else
    // 65 % from its left end (what everything waits on), around the
    // drawing's center item when it has one.
    function fit() {
      var s = Math.max(fitScale(), 0.65);
      center(s);
      var c = svg.querySelector(".node.center rect");
      var z = size();
      if (c && z.h / s < H) {
        st.y = rx(c, "y") + rh(c) / 2 - z.h / s / 2;
        st.y = Math.max(0, Math.min(st.y, H - z.h / s));
        apply();
      }
    }
    function zoomAt(factor, cx, cy) {
      var ns = Math.min(MAX, Math.max(minScale(), st.s * factor));
      st.x += cx / st.s - cx / ns;
      st.y += cy / st.s - cy / ns;
      st.s = ns;
      apply();
    }
    function zoomMid(factor) { var z = size(); zoomAt(factor, z.w / 2, z.h / 2); }
    function pan(dx, dy) { st.x += dx / st.s; st.y += dy / st.s; apply(); }
    fit();

    fig.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () {
        var a = b.getAttribute("data-zoom");
        if (a === "in") zoomMid(1.25);
        else if (a === "out") zoomMid(0.8);
        else if (a === "fit") center(fitScale());
        else center(1);
      });
    });
    box.addEventListener("keydown", function (e) {
      var k = e.key, step = 60;
      if (k === "+" || k === "=") zoomMid(1.25);
      else if (k === "-" || k === "_") zoomMid(0.8);
      else if (k === "0") center(fitScale());
      else if (k === "1") center(1);
      else if (k === "ArrowLeft") pan(-step, 0);
      else if (k === "ArrowRight") pan(step, 0);
      else if (k === "ArrowUp") pan(0, -step);
      else if (k === "ArrowDown") pan(0, step);
      else return;
      e.preventDefault();
    });
    box.addEventListener("wheel", function (e) {
      var r = box.getBoundingClientRect();
      var unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? r.height : 1;
      if (e.ctrlKey || e.metaKey) zoomAt(Math.exp(-e.deltaY * unit * 0.002), e.clientX - r.left, e.clientY - r.top);
      else pan(e.deltaX * unit, e.deltaY * unit);
      e.preventDefault();
    }, { passive: false });

    // Drag to pan, two fingers to pinch. A press that moved is not a click.
    var pts = {}, moved = false, pinch = null;
    function count() { return Object.keys(pts).length; }
    box.addEventListener("pointerdown", function (e) {
      pts[e.pointerId] = { x: e.clientX, y: e.clientY };
      moved = false;
      pinch = null;
    });
    box.addEventListener("pointermove", function (e) {
      var p = pts[e.pointerId];
      if (!p) return;
      var ids = Object.keys(pts);
      if (ids.length === 2) {
        var a = pts[ids[0]], b = pts[ids[1]];
        p.x = e.clientX; p.y = e.clientY;
        var d = Math.hypot(a.x - b.x, a.y - b.y), r = box.getBoundingClientRect();
        if (pinch && d > 0) zoomAt(d / pinch, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top);
        pinch = d;
        moved = true;
        return;
      }
      var dx = e.clientX - p.x, dy = e.clientY - p.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!moved && box.setPointerCapture) box.setPointerCapture(e.pointerId);
      moved = true;
      box.classList.add("is-panning");
      p.x = e.clientX; p.y = e.clientY;
      pan(-dx, -dy);
    });
    function up(e) {
      delete pts[e.pointerId];
      if (count() < 2) pinch = null;
      box.classList.remove("is-panning");
    }
    box.addEventListener("pointerup", up);
    box.addEventListener("pointercancel", up);
    box.addEventListener("click", function (e) { if (moved) { e.preventDefault(); moved = false; } }, true);
    window.addEventListener("resize", apply);

    // Filters and the depth switch.
    var nodes = Array.prototype.slice.call(svg.querySelectorAll(".node"));
    var edges = Array.prototype.slice.call(svg.querySelectorAll("path[data-from], path[data-e]"));
    // Hover text the page leaves out: an edge's ends, a node's kind and
    // status (and its full title when the box cuts it).
    var NS = "http://www.w3.org/2000/svg";
    // A node's item id: its data-id, or its anchor's id (`n-<id>`).
    function nid(n) { return n.getAttribute("data-id") || n.id.slice(2); }
    // An edge's ends (ids): its data-from and data-to, or its data-e, the
    // places of its ends among the nodes.
    function ends(p) {
      var e = p.getAttribute("data-e");
      if (e === null) return [p.getAttribute("data-from"), p.getAttribute("data-to")];
      return e.split(" ").map(function (k) { var n = nodes[+k]; return n ? nid(n) : ""; });
    }
    function tip(el, text) {
      var t = el.querySelector("title") || document.createElementNS(NS, "title");
      t.textContent = text;
      if (!t.parentNode) el.insertBefore(t, el.firstChild);
    }
    edges.forEach(function (p) {
      var ab = ends(p);
      if (!p.querySelector("title")) tip(p, ab[0] + " waits on or is under " + ab[1]);
    });
    nodes.forEach(function (n) {
      var a = n.querySelector("a") || n, t = a.querySelector("title"), texts = n.querySelectorAll("text");
      if (!n.getAttribute("data-kind") || !texts.length) return;
      var title = t ? t.textContent : (texts[1] ? texts[1].textContent : "");
      tip(a, nid(n) + " (" + n.getAttribute("data-kind") + ", " + (n.getAttribute("data-status") || "no status") + "): " + title);
    });
    var selects = Array.prototype.slice.call(fig.querySelectorAll("[data-graph-filter]"));
    var hide = fig.querySelector("[data-graph-hide]");
    var counter = fig.querySelector("[data-graph-count]");
    var depthButtons = Array.prototype.slice.call(fig.querySelectorAll("button[data-depth]"));
    var depth = Infinity;
    function refilter() {
      var out = {}, shown = 0, active = false;
      nodes.forEach(function (n) {
        var ok = true;
        selects.forEach(function (s) {
          if (!s.value) return;
          active = true;
          var attr = s.getAttribute("data-graph-filter"), v = n.getAttribute("data-" + attr) || "";
          if (attr === "labels" ? v.split("|").indexOf(s.value) === -1 : v !== s.value) ok = false;
        });
        var far = parseInt(n.getAttribute("data-depth") || "0", 10) > depth;
        n.classList.toggle("is-out", !ok);
        n.classList.toggle("is-far", far);
        if (far) out[nid(n)] = 2;
        else if (!ok) out[nid(n)] = 1;
        else shown++;
      });
      edges.forEach(function (p) {
        var ab = ends(p), a = out[ab[0]] || 0, b = out[ab[1]] || 0;
        p.classList.toggle("is-out", a === 1 || b === 1);
        p.classList.toggle("is-far", a === 2 || b === 2);
      });
      fig.classList.toggle("hide-out", !!(hide && hide.checked));
      if (counter) counter.textContent = active || depth !== Infinity ? shown + " of " + nodes.length + " shown" : "";
    }
    selects.forEach(function (s) { s.addEventListener("change", refilter); });
    if (hide) hide.addEventListener("change", refilter);
    depthButtons.forEach(function (b) {
      b.addEventListener("click", function () {
        depth = parseInt(b.getAttribute("data-depth"), 10);
        depthButtons.forEach(function (x) { x.setAttribute("aria-pressed", x === b ? "true" : "false"); });
        refilter();
        fitShown();
      });
    });
    var depthGroup = fig.querySelector(".graph-depth");
    function atDepth(d) {
      var b = depthButtons.filter(function (x) { return x.getAttribute("data-depth") === String(d); })[0];
      if (b) b.click();
    }
    // `#n-<id>`: the view focused on that item. Distances are counted over
    // the drawing's own edges (either direction); the rest is hidden.
    var adj = null;
    function focusOn(id) {
      var node = null;
      nodes.forEach(function (n) { if (nid(n) === id) node = n; });
      if (!node) return false;
      if (!adj) {
        adj = {};
        edges.forEach(function (p) {
          var ab = ends(p), a = ab[0], b = ab[1];
          (adj[a] = adj[a] || []).push(b);
          (adj[b] = adj[b] || []).push(a);
        });
      }
      var dist = {}, queue = [id], k = 0;
      dist[id] = 0;
      while (k < queue.length) {
        var u = queue[k++];
        (adj[u] || []).forEach(function (v) {
          if (dist[v] === undefined && dist[u] < 3) { dist[v] = dist[u] + 1; queue.push(v); }
        });
      }
      nodes.forEach(function (n) {
        var d = dist[nid(n)];
        n.setAttribute("data-depth", d === undefined ? "99" : String(d));
        n.classList.toggle("center", n === node);
      });
      if (depthGroup) depthGroup.hidden = false;
      atDepth(2);
      return true;
    }
    function fromHash() {
      var h = "";
      try { h = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { return; }
      if (h.indexOf("n-") === 0 && focusOn(h.slice(2))) {
        // The browser scrolled to the node: show the whole picture instead.
        setTimeout(function () {
          box.scrollTop = 0;
          box.scrollLeft = 0;
          window.scrollTo(0, Math.max(0, fig.getBoundingClientRect().top + window.pageYOffset - 72));
        }, 0);
      }
    }
    var clear = fig.querySelector("[data-focus-clear]");
    if (clear) clear.addEventListener("click", function () {
      nodes.forEach(function (n) { n.removeAttribute("data-depth"); n.classList.remove("center"); });
      depth = Infinity;
      if (depthGroup) depthGroup.hidden = true;
      if (window.history && history.replaceState) history.replaceState(null, "", window.location.pathname + window.location.search);
      refilter();
      fit();
    });
    window.addEventListener("hashchange", fromHash);
    // A focus page opens at two steps (the buttons show more or fewer).
    if (depthGroup && !depthGroup.hidden) atDepth(2);
    else fromHash();
  }
  document.querySelectorAll("[data-graph]").forEach(setup);
})();
