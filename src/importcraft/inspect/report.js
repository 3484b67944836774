"use strict";
(function () {
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var mods = data.modules, effects = data.side_effects, n = mods.length;
  var ROW = 18, MIN_PX = 3, PAGE = 200;
  function ms(ns) { return (ns / 1e6).toFixed(ns >= 1e8 ? 0 : 2); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function at(m) { return m.imported_at ? m.imported_at.file + ":" + m.imported_at.line : ""; }

  // The import tree: children resolved by name among later modules, the rest are roots.
  var byName = {}, claimed = new Array(n), kids = [], i, j;
  for (i = 0; i < n; i++) { (byName[mods[i].name] = byName[mods[i].name] || []).push(i); kids.push([]); }
  for (i = 0; i < n; i++) {
    mods[i].children.forEach(function (name) {
      var c = byName[name] || [];
      for (var k = 0; k < c.length; k++) if (c[k] > i && !claimed[c[k]]) { claimed[c[k]] = true; kids[i].push(c[k]); break; }
    });
  }
  var totalCum = 0;
  function treeNode(idx) {
    var m = mods[idx], ch = kids[idx].map(treeNode), inner = 0;
    ch.forEach(function (c) { inner += c.value; });
    return {label: m.name, value: Math.max(m.cumulative_ns, inner), self: m.self_ns, mod: idx, children: ch};
  }
  var treeRoots = [];
  for (i = 0; i < n; i++) if (!claimed[i]) treeRoots.push(treeNode(i));
  treeRoots.forEach(function (r) { totalCum += r.value; });
  var treeTop = {label: "all imports", value: totalCum, self: 0, mod: -1, children: treeRoots};

  // By package: the dotted names as a hierarchy, each node worth its modules' self time.
  function packageTop() {
    var top = {label: "all packages", value: 0, self: 0, mod: -1, children: [], index: {}};
    for (var i = 0; i < n; i++) {
      var parts = mods[i].name.split("."), node = top;
      node.value += mods[i].self_ns;
      for (var p = 0; p < parts.length; p++) {
        var key = parts.slice(0, p + 1).join(".");
        var next = node.index[key];
        if (!next) { next = {label: key, value: 0, self: 0, mod: -1, children: [], index: {}}; node.index[key] = next; node.children.push(next); }
        next.value += mods[i].self_ns;
        node = next;
      }
      node.mod = i; node.self += mods[i].self_ns;
    }
    (function sort(node) { node.children.sort(function (a, b) { return b.value - a.value; }); node.children.forEach(sort); })(top);
    return top;
  }
  var pkgTop = null;

  // Summary line.
  var nEffects = effects.length;
  document.getElementById("summary").textContent = n + " modules, " + ms(totalCum) + " ms cumulative" +
    (data.total_ns ? " (" + ms(data.total_ns) + " ms traced)" : "") + ", " + nEffects + " side effects" +
    (data.python ? ", Python " + data.python : "");

  // Why the program died, when it was a circular import (importcraft trace sets "cycle").
  if (data.cycle && data.cycle.text) {
    document.getElementById("cycle").textContent = data.cycle.text;
    document.getElementById("cycle-section").hidden = false;
  }

  // Search: a case-insensitive substring of the name or file.
  var query = "";
  function matches(idx) {
    if (!query) return true;
    var m = mods[idx];
    return m.name.toLowerCase().indexOf(query) >= 0 || (m.file || "").toLowerCase().indexOf(query) >= 0;
  }

  // The icicle chart. Nodes narrower than MIN_PX are folded into one grey "N more" block per parent.
  var chart = document.getElementById("chart"), tooltip = document.getElementById("tooltip");
  var view = "tree", zoom = null, selected = -1, drawn = [];
  function currentTop() { return view === "tree" ? treeTop : (pkgTop = pkgTop || packageTop()); }
  function draw() {
    var top = zoom || currentTop(), width = chart.clientWidth || 800, maxDepth = 0;
    chart.textContent = ""; drawn = [];
    var frag = document.createDocumentFragment();
    function place(node, x, w, depth) {
      maxDepth = Math.max(maxDepth, depth);
      var d = el("div", {"class": "node", "data-depth": depth});
      d.style.left = x + "px"; d.style.top = depth * ROW + "px"; d.style.width = Math.max(w, 1) + "px";
      d.style.background = color(node);
      d.textContent = w > 30 ? node.label + " " + ms(node.value) + " ms" : "";
      d._node = node;
      if (node.mod >= 0) {
        d.setAttribute("data-module", mods[node.mod].name);
        if (mods[node.mod].side_effects.length) d.className += " fx";
        if (node.mod === selected) d.className += " sel";
        if (query && !matches(node.mod)) d.className += " dim";
      }
      frag.appendChild(d); drawn.push(d);
      var scale = node.value > 0 ? w / node.value : 0, cx = x, rest = 0, restValue = 0;
      node.children.forEach(function (c) {
        var cw = c.value * scale;
        if (cw >= MIN_PX) place(c, cx, cw, depth + 1);
        else { rest++; restValue += c.value; }
        cx += cw;
      });
      if (rest) {
        var rw = restValue * scale;
        var r = el("div", {"class": "node rest", title: rest + " more, " + ms(restValue) + " ms (zoom in to see them)"});
        r.style.left = (cx - rw) + "px"; r.style.top = (depth + 1) * ROW + "px"; r.style.width = Math.max(rw, 1) + "px";
        r._rest = {node: node, count: rest, value: restValue};
        frag.appendChild(r);
        maxDepth = Math.max(maxDepth, depth + 1);
      }
    }
    place(top, 0, width, 0);
    chart.appendChild(frag);
    chart.style.height = (maxDepth + 1) * ROW + 2 + "px";
    crumbs();
  }
  function color(node) {
    if (node.mod < 0) return "#c9d3de";
    var m = mods[node.mod], h = 0, s = m.name.split(".")[0];
    for (var k = 0; k < s.length; k++) h = (h * 31 + s.charCodeAt(k)) % 360;
    var frac = totalCum ? m.self_ns / totalCum : 0;
    return "hsl(" + (20 + h % 40) + "," + (55 + Math.min(40, frac * 400)) + "%," + (72 - Math.min(20, frac * 200)) + "%)";
  }
  function findPath(top, target) {
    if (top === target) return [top];
    for (var k = 0; k < top.children.length; k++) { var p = findPath(top.children[k], target); if (p) return [top].concat(p); }
    return null;
  }
  function crumbs() {
    var box = document.getElementById("crumbs"); box.textContent = "";
    var path = zoom ? findPath(currentTop(), zoom) || [currentTop()] : [currentTop()];
    path.forEach(function (node, k) {
      if (k) box.appendChild(document.createTextNode(" \u203a "));
      var a = el("a", null, node.label);
      a.addEventListener("click", function () { zoom = k ? node : null; draw(); });
      box.appendChild(a);
    });
  }
  chart.addEventListener("click", function (ev) {
    var d = ev.target;
    if (d._rest) { zoom = d._rest.node; draw(); return; }
    if (!d._node) return;
    var node = d._node, top = zoom || currentTop();
    if (node === top) zoom = (findPath(currentTop(), node) || []).slice(-2)[0] || null;
    else if (node.children.length) zoom = node;
    if (zoom === currentTop()) zoom = null;
    if (node.mod >= 0) select(node.mod); else draw();
  });
  chart.addEventListener("mousemove", function (ev) {
    var d = ev.target, node = d._node;
    if (!node && !d._rest) { tooltip.hidden = true; return; }
    var text;
    if (d._rest) text = d._rest.count + " smaller imports, " + ms(d._rest.value) + " ms: click to zoom in";
    else if (node.mod >= 0) {
      var m = mods[node.mod];
      text = m.name + "\n" + ms(m.cumulative_ns) + " ms cumulative, " + ms(m.self_ns) + " ms self" +
        (m.parent ? "\nimported by " + m.parent + (at(m) ? " at " + at(m) : "") : "") +
        (m.side_effects.length ? "\n" + m.side_effects.length + " side effect(s)" : "");
    } else text = node.label + "\n" + ms(node.value) + " ms";
    tooltip.textContent = text; tooltip.style.whiteSpace = "pre-line"; tooltip.hidden = false;
    tooltip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 300) + "px"; tooltip.style.top = ev.clientY + 14 + "px";
  });
  chart.addEventListener("mouseleave", function () { tooltip.hidden = true; });
  Array.prototype.forEach.call(document.querySelectorAll("input[name=view]"), function (r) {
    r.addEventListener("change", function () { view = r.value; zoom = null; draw(); });
  });
  window.addEventListener("resize", function () { draw(); });

  // Details of one module.
  function select(idx) {
    selected = idx;
    var m = mods[idx], box = document.getElementById("details");
    box.textContent = "";
    box.appendChild(el("h3", null, m.name));
    var dl = el("dl");
    function row(label, value, node) {
      dl.appendChild(el("dt", null, label));
      var dd = el("dd", null, node ? undefined : value);
      if (node) dd.appendChild(node);
      dl.appendChild(dd);
    }
    row("cumulative", ms(m.cumulative_ns) + " ms" + (totalCum ? " (" + (100 * m.cumulative_ns / totalCum).toFixed(1) + "% of all imports)" : ""));
    row("self", ms(m.self_ns) + " ms");
    if (m.parent) {
      var link = el("a", {href: "#"}, m.parent);
      link.addEventListener("click", function (ev) { ev.preventDefault(); var p = (byName[m.parent] || []).filter(function (k) { return k < idx; }).pop(); if (p !== undefined) select(p); });
      row("imported by", null, link);
    } else row("imported by", "(top level)");
    if (at(m)) row("at", at(m));
    row("file", m.file || "(none)");
    row("kind", m.kind + (m.loader ? " (" + m.loader + ")" : "") + (m.cached === true ? ", from cached bytecode" : m.cached === false ? ", compiled from source" : ""));
    row("imports", m.children.length ? m.children.length + ": " + m.children.slice(0, 20).join(", ") + (m.children.length > 20 ? ", ..." : "") : "nothing new");
    if (m.side_effects.length) {
      var ul = el("ul");
      m.side_effects.forEach(function (k) { var e = effects[k]; if (e) ul.appendChild(el("li", null, e.kind + ": " + e.detail + (e.line ? " (" + e.file + ":" + e.line + ")" : ""))); });
      row("side effects", null, ul);
    } else row("side effects", "none seen");
    box.appendChild(dl);
    draw();
    renderTable();
  }

  // The modules table: sortable, filtered by the search, PAGE rows at a time.
  var sortKey = "cumulative", sortDir = -1, shown = PAGE;
  var keyOf = {
    name: function (m) { return m.name; }, kind: function (m) { return m.kind; },
    self: function (m) { return m.self_ns; }, cumulative: function (m) { return m.cumulative_ns; },
    parent: function (m) { return m.parent || ""; }, at: at,
    effects: function (m) { return m.side_effects.length; }
  };
  var tbody = document.querySelector("#modules tbody"), more = document.getElementById("more");
  function renderTable() {
    var rows = [];
    for (var i = 0; i < n; i++) if (matches(i)) rows.push(i);
    var key = keyOf[sortKey];
    rows.sort(function (a, b) { var x = key(mods[a]), y = key(mods[b]); return (x < y ? -1 : x > y ? 1 : a - b) * sortDir; });
    tbody.textContent = "";
    var frag = document.createDocumentFragment();
    rows.slice(0, shown).forEach(function (idx) {
      var m = mods[idx], tr = el("tr", {"data-module": m.name});
      if (idx === selected) tr.className = "sel";
      tr.appendChild(el("td", null, m.name)); tr.appendChild(el("td", null, m.kind));
      tr.appendChild(el("td", {"class": "num"}, ms(m.self_ns))); tr.appendChild(el("td", {"class": "num"}, ms(m.cumulative_ns)));
      tr.appendChild(el("td", null, m.parent || "")); tr.appendChild(el("td", {"class": "path"}, at(m)));
      tr.appendChild(el("td", {"class": "num"}, m.side_effects.length || ""));
      tr._idx = idx; frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    more.hidden = rows.length <= shown;
    more.textContent = "Show more (" + Math.min(PAGE, rows.length - shown) + " of " + (rows.length - shown) + " left)";
    document.getElementById("modules-count").textContent = "(" + rows.length + (rows.length < n ? " of " + n : "") + ")";
    document.getElementById("search-count").textContent = query ? rows.length + " of " + n + " modules match" : "";
  }
  tbody.addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr");
    if (tr && tr._idx !== undefined) { select(tr._idx); chart.scrollIntoView({block: "nearest"}); }
  });
  more.addEventListener("click", function () { shown += PAGE; renderTable(); });
  Array.prototype.forEach.call(document.querySelectorAll("#modules th"), function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      if (key === sortKey) sortDir = -sortDir;
      else { sortKey = key; sortDir = (key === "name" || key === "kind" || key === "parent" || key === "at") ? 1 : -1; }
      Array.prototype.forEach.call(document.querySelectorAll("#modules th"), function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      renderTable();
    });
  });

  // The side-effects table, filtered by the search too (module, kind or detail).
  var ebody = document.querySelector("#effects tbody");
  function renderEffects() {
    ebody.textContent = "";
    var count = 0, frag = document.createDocumentFragment();
    effects.forEach(function (e) {
      var hay = ((e.module || "") + " " + e.kind + " " + e.detail).toLowerCase();
      if (query && hay.indexOf(query) < 0) return;
      count++;
      var tr = el("tr", {"data-kind": e.kind});
      tr.appendChild(el("td", {"class": "fxk"}, e.kind)); tr.appendChild(el("td", null, e.module || "(none)"));
      tr.appendChild(el("td", {"class": "path"}, e.file ? e.file + (e.line ? ":" + e.line : "") : ""));
      tr.appendChild(el("td", null, e.detail));
      frag.appendChild(tr);
    });
    if (!effects.length) { var tr = el("tr"); tr.appendChild(el("td", {colspan: 4}, data.source === "importtime" ? "An -X importtime log records no side effects." : "No side effects seen.")); frag.appendChild(tr); }
    ebody.appendChild(frag);
    document.getElementById("effects-count").textContent = "(" + count + (count < effects.length ? " of " + effects.length : "") + ")";
  }

  var timer = null;
  document.getElementById("search").addEventListener("input", function (ev) {
    clearTimeout(timer);
    timer = setTimeout(function () { query = ev.target.value.trim().toLowerCase(); shown = PAGE; draw(); renderTable(); renderEffects(); }, 80);
  });

  draw(); renderTable(); renderEffects();
  document.body.setAttribute("data-ready", "1");
})();
