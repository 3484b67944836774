"use strict";
(function () {
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  const KINDS = data.kinds, RANK = {}, IMPORT_TIME = new Set(data.import_time);
  KINDS.forEach((k, i) => { RANK[k] = i; });
  const SVG = "http://www.w3.org/2000/svg";
  const NODE_H = 26, MAX_ROW = 24, LAYER_GAP = 64, NODE_GAP = 16, DUMMY_W = 2, DUMMY_GAP = 3, MAX_DUMMIES = 30000;
  const LINES_SHOWN = 12;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // ---- The modules, their dotted-name tree, and the edges by module.
  const modules = new Map();  // name -> {name, internal, file}
  data.modules.forEach((m) => modules.set(m.name, m));
  const children = new Map();  // prefix -> Set of child prefixes
  const prefixes = new Map();  // prefix -> {internal: bool, size: number of modules under it}
  modules.forEach((m) => {
    const parts = m.name.split(".");
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join(".");
      const info = prefixes.get(p) || {internal: false, size: 0};
      info.internal = info.internal || m.internal;
      info.size += 1;
      prefixes.set(p, info);
      if (i > 1) {
        const parent = parts.slice(0, i - 1).join(".");
        if (!children.has(parent)) children.set(parent, new Set());
        children.get(parent).add(p);
      }
    }
  });
  const out = new Map(), inn = new Map();  // module -> edges
  data.edges.forEach((e) => {
    if (!out.has(e.importer)) out.set(e.importer, []);
    if (!inn.has(e.imported)) inn.set(e.imported, []);
    out.get(e.importer).push(e);
    inn.get(e.imported).push(e);
  });
  function hasChildren(p) { return children.has(p) && children.get(p).size > 0; }
  function within(name, group) { return name === group || name.startsWith(group + "."); }

  // ---- What is shown: a cut through the tree. `expanded` packages show their own module and
  // their children; every other prefix stands for all the modules under it.
  const expanded = new Set();
  let showExternal = true, selected = null, searchText = "";
  const roots = [...prefixes.keys()].filter((p) => !p.includes("."));
  const internalRoots = roots.filter((p) => prefixes.get(p).internal);
  if (internalRoots.length === 1 && hasChildren(internalRoots[0])) expanded.add(internalRoots[0]);

  function shownAs(name) {
    const parts = name.split(".");
    let p = parts[0];
    for (let i = 1; i < parts.length && expanded.has(p); i++) p += "." + parts[i];
    return p;
  }
  function isShown(name) { return showExternal || modules.get(name).internal; }
  function members(id) {
    // The modules a shown node stands for.
    if (expanded.has(id) || !hasChildren(id)) return modules.has(id) ? [id] : [];
    return [...modules.keys()].filter((m) => within(m, id));
  }

  function visibleGraph() {
    const nodes = new Map();
    modules.forEach((m) => {
      if (!isShown(m.name)) return;
      const id = shownAs(m.name);
      if (!nodes.has(id)) {
        const group = hasChildren(id) && !expanded.has(id);
        const info = prefixes.get(id);
        let cls = group ? "package" : hasChildren(id) ? "package expanded" : "module";
        if (!info.internal) cls += " external";
        nodes.set(id, {id: id, cls: cls, group: group, toggle: hasChildren(id), size: info.size});
      }
    });
    const links = new Map();
    data.edges.forEach((e) => {
      if (!isShown(e.importer) || !isShown(e.imported)) return;
      const a = shownAs(e.importer), b = shownAs(e.imported);
      if (a === b) return;
      const key = a + "\u0000" + b;
      let link = links.get(key);
      if (!link) { link = {from: a, to: b, kind: e.kind, count: 0}; links.set(key, link); }
      if (RANK[e.kind] < RANK[link.kind]) link.kind = e.kind;
      link.count += 1;
    });
    return {nodes: [...nodes.values()].sort((x, y) => x.id < y.id ? -1 : 1), links: [...links.values()]};
  }

  // ---- Layout: layers by the longest path from the importers nobody imports (cycles broken
  // by reversing the edges a depth-first search finds going back), dummy nodes on long edges,
  // then barycenter ordering sweeps and x positions pulled towards the neighbours.
  function layout(graph) {
    const n = graph.nodes.length, index = new Map();
    graph.nodes.forEach((node, i) => {
      index.set(node.id, i);
      node.w = Math.max(40, node.id.length * 7 + (node.toggle ? 34 : 18));
    });
    const succ = [], pred = [];
    for (let i = 0; i < n; i++) { succ.push([]); pred.push([]); }
    const arcs = graph.links.map((link) => ({link: link, a: index.get(link.from), b: index.get(link.to), reversed: false}));
    arcs.forEach((arc) => { succ[arc.a].push(arc); });
    // Break cycles (iteratively, a deep chain must not overflow the stack).
    const state = new Uint8Array(n);  // 0 new, 1 on the stack, 2 done
    for (let s = 0; s < n; s++) {
      if (state[s]) continue;
      const stack = [[s, 0]];
      state[s] = 1;
      while (stack.length) {
        const top = stack[stack.length - 1], v = top[0];
        if (top[1] < succ[v].length) {
          const arc = succ[v][top[1]++];
          if (state[arc.b] === 1) arc.reversed = true;
          else if (state[arc.b] === 0) { state[arc.b] = 1; stack.push([arc.b, 0]); }
        } else { state[v] = 2; stack.pop(); }
      }
    }
    const down = [], up = [];
    for (let i = 0; i < n; i++) { down.push([]); up.push([]); }
    arcs.forEach((arc) => {
      const a = arc.reversed ? arc.b : arc.a, b = arc.reversed ? arc.a : arc.b;
      if (a === b) return;
      down[a].push(b); up[b].push(a);
    });
    // Longest path, in topological order (Kahn).
    const layer = new Array(n).fill(0), missing = up.map((u) => u.length), queue = [];
    for (let i = 0; i < n; i++) if (!missing[i]) queue.push(i);
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q];
      down[v].forEach((b) => {
        layer[b] = Math.max(layer[b], layer[v] + 1);
        if (--missing[b] === 0) queue.push(b);
      });
    }
    // A layer of more than MAX_ROW boxes wraps: the modules importing nothing shown (external
    // names, leaves) move down a layer, as many times as it takes.
    const rows = [];
    for (let i = 0; i < n; i++) (rows[layer[i]] = rows[layer[i]] || []).push(i);
    for (let l = 0; l < rows.length; l++) {
      const ids = rows[l] || [];
      if (ids.length <= MAX_ROW) continue;
      const sinks = ids.filter((v) => !down[v].length);
      const keep = ids.length - MAX_ROW;
      const moving = sinks.slice(Math.max(0, sinks.length - keep));
      if (!moving.length) continue;
      const moved = new Set(moving);
      rows[l] = ids.filter((v) => !moved.has(v));
      rows[l + 1] = (rows[l + 1] || []).concat(moving);
      moving.forEach((v) => { layer[v] = l + 1; });
    }
    // Dummy nodes where an edge spans several layers.
    const verts = graph.nodes.map((node, i) => ({node: node, layer: layer[i], w: node.w, up: [], down: []}));
    let dummies = 0;
    arcs.forEach((arc) => {
      const a = arc.reversed ? arc.b : arc.a, b = arc.reversed ? arc.a : arc.b;
      arc.chain = [];
      if (a === b) return;
      let prev = a;
      if (dummies < MAX_DUMMIES) {
        for (let l = layer[a] + 1; l < layer[b]; l++) {
          verts.push({node: null, layer: l, w: DUMMY_W, up: [prev], down: []});
          const d = verts.length - 1;
          verts[prev].down.push(d);
          arc.chain.push(d);
          prev = d;
          dummies++;
        }
      }
      verts[prev].down.push(b);
      verts[b].up.push(prev);
    });
    const depth = verts.reduce((m, v) => Math.max(m, v.layer), 0) + 1;
    const layers = [];
    for (let l = 0; l < depth; l++) layers.push([]);
    verts.forEach((v, i) => { layers[v.layer].push(i); });
    const pos = new Float64Array(verts.length);
    layers.forEach((ids) => ids.forEach((v, i) => { pos[v] = i; }));
    function sweep(order, neighbours) {
      order.forEach((l) => {
        const ids = layers[l], bary = new Map();
        ids.forEach((v) => {
          const near = verts[v][neighbours];
          bary.set(v, near.length ? near.reduce((s, u) => s + pos[u], 0) / near.length : pos[v]);
        });
        ids.sort((x, y) => bary.get(x) - bary.get(y) || pos[x] - pos[y]);
        ids.forEach((v, i) => { pos[v] = i; });
      });
    }
    const downOrder = [], upOrder = [];
    for (let l = 1; l < depth; l++) downOrder.push(l);
    for (let l = depth - 2; l >= 0; l--) upOrder.push(l);
    const sweeps = verts.length > 3000 ? 4 : 12;
    for (let s = 0; s < sweeps; s++) { sweep(downOrder, "up"); sweep(upOrder, "down"); }
    // Long edges run close together; boxes keep their distance.
    const gap = (a, b) => (verts[a].node || verts[b].node ? NODE_GAP : DUMMY_GAP);
    const sep = (a, b) => (verts[a].w + verts[b].w) / 2 + gap(a, b);
    // x: packed, then pulled towards the neighbours' mean a few times, keeping the order.
    const x = new Float64Array(verts.length);
    layers.forEach((ids) => {
      let at = 0;
      ids.forEach((v) => { x[v] = at + verts[v].w / 2; at += verts[v].w + gap(v, v); });
      const shift = at / 2;
      ids.forEach((v) => { x[v] -= shift; });
    });
    for (let round = 0; round < 6; round++) {
      layers.forEach((ids) => {
        const want = ids.map((v) => {
          const near = verts[v].up.concat(verts[v].down);
          return near.length ? near.reduce((s, u) => s + x[u], 0) / near.length : x[v];
        });
        // Pushed right from the left, pushed left from the right: the mean of the two keeps
        // the order and the gaps, and does not drift.
        const right = want.slice(), left = want.slice();
        for (let i = 1; i < ids.length; i++) {
          right[i] = Math.max(right[i], right[i - 1] + sep(ids[i - 1], ids[i]));
        }
        for (let i = ids.length - 2; i >= 0; i--) {
          left[i] = Math.min(left[i], left[i + 1] - sep(ids[i], ids[i + 1]));
        }
        ids.forEach((v, i) => { x[v] = (left[i] + right[i]) / 2; });
      });
    }
    const y = (v) => verts[v].layer * (NODE_H + LAYER_GAP);
    graph.nodes.forEach((node, i) => { node.x = x[i]; node.y = y(i); });
    arcs.forEach((arc) => {
      const points = arc.chain.map((d) => [x[d], y(d)]);
      if (arc.reversed) points.reverse();
      arc.link.points = points;
      arc.link.reversed = arc.reversed;
    });
    return graph;
  }

  // ---- Drawing, panning and zooming.
  const svgRoot = document.getElementById("graph"), viewport = document.getElementById("viewport");
  const edgeLayer = document.getElementById("edges"), nodeLayer = document.getElementById("nodes");
  const view = {x: 0, y: 0, k: 1};
  let current = null, nodeById = new Map();
  function applyView() { viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`); }

  function edgePath(link) {
    const a = nodeById.get(link.from), b = nodeById.get(link.to);
    const upward = b.y < a.y;
    const pts = [[a.x, a.y + (upward ? -NODE_H / 2 : NODE_H / 2)], ...(link.points || []),
      [b.x, b.y + (upward ? NODE_H / 2 : -NODE_H / 2)]];
    let d = `M${pts[0][0]},${pts[0][1]}`;
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1], [x1, y1] = pts[i], my = (y0 + y1) / 2;
      d += `C${x0},${my} ${x1},${my} ${x1},${y1}`;
    }
    return d;
  }

  function draw() {
    current = layout(visibleGraph());
    nodeById = new Map(current.nodes.map((node) => [node.id, node]));
    edgeLayer.textContent = "";
    nodeLayer.textContent = "";
    current.links.forEach((link) => {
      const deferred = !IMPORT_TIME.has(link.kind);
      const path = svg("path", {
        class: `edge ${link.kind}${deferred ? " deferred" : ""}`, d: edgePath(link),
        "marker-end": "url(#arrow)", "data-from": link.from, "data-to": link.to, "data-kind": link.kind,
      });
      path.appendChild(svg("title", null, `${link.from} \u2192 ${link.to} (${link.kind}, ${link.count} edge${link.count === 1 ? "" : "s"})`));
      edgeLayer.appendChild(path);
    });
    current.nodes.forEach((node) => {
      const g = svg("g", {class: "node " + node.cls, "data-id": node.id,
        transform: `translate(${node.x - node.w / 2},${node.y - NODE_H / 2})`});
      g.appendChild(svg("rect", {width: node.w, height: NODE_H, rx: 4}));
      g.appendChild(svg("text", {x: node.toggle ? 22 : 9, y: NODE_H / 2}, node.id));
      if (node.toggle) {
        const t = svg("g", {class: "toggle"});
        t.appendChild(svg("rect", {class: "hit", width: 20, height: NODE_H}));
        t.appendChild(svg("text", {x: 7, y: NODE_H / 2}, expanded.has(node.id) ? "\u2212" : "+"));
        t.appendChild(svg("title", null, expanded.has(node.id) ? "fold back into one node" : "expand"));
        g.appendChild(t);
      }
      const label = node.group ? `${node.id}: ${node.size} modules (click to expand)` : node.id;
      g.appendChild(svg("title", null, label));
      nodeLayer.appendChild(g);
    });
    mark();
  }

  function fit() {
    if (!current || !current.nodes.length) return;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    current.nodes.forEach((n) => {
      x0 = Math.min(x0, n.x - n.w / 2); x1 = Math.max(x1, n.x + n.w / 2);
      y0 = Math.min(y0, n.y - NODE_H / 2); y1 = Math.max(y1, n.y + NODE_H / 2);
    });
    current.links.forEach((link) => (link.points || []).forEach(([px]) => {
      x0 = Math.min(x0, px); x1 = Math.max(x1, px);
    }));
    const box = svgRoot.getBoundingClientRect(), margin = 24;
    const k = Math.min(1.5, (box.width - 2 * margin) / Math.max(1, x1 - x0), (box.height - 2 * margin) / Math.max(1, y1 - y0));
    view.k = Math.max(0.02, k);
    view.x = box.width / 2 - view.k * (x0 + x1) / 2;
    view.y = margin - view.k * y0;
    applyView();
  }
  function centreOn(id) {
    const node = nodeById.get(id);
    if (!node) return;
    const box = svgRoot.getBoundingClientRect();
    view.x = box.width / 2 - view.k * node.x;
    view.y = box.height / 2 - view.k * node.y;
    applyView();
  }
  // Redraw, keeping the node `anchor` where it was on the screen.
  function redraw(anchor) {
    const before = anchor && nodeById.get(anchor);
    const sx = before ? view.x + view.k * before.x : 0, sy = before ? view.y + view.k * before.y : 0;
    draw();
    const after = anchor && nodeById.get(anchor);
    if (before && after) { view.x = sx - view.k * after.x; view.y = sy - view.k * after.y; applyView(); }
  }

  svgRoot.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svgRoot.getBoundingClientRect();
    const px = event.clientX - box.left, py = event.clientY - box.top;
    const k = Math.min(4, Math.max(0.02, view.k * Math.exp(-event.deltaY * 0.0015)));
    view.x = px - (px - view.x) * k / view.k;
    view.y = py - (py - view.y) * k / view.k;
    view.k = k;
    applyView();
  }, {passive: false});
  let drag = null, dragged = false;
  svgRoot.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = {x: event.clientX, y: event.clientY, vx: view.x, vy: view.y};
    dragged = false;
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    dragged = true;
    svgRoot.classList.add("panning");
    view.x = drag.vx + dx; view.y = drag.vy + dy;
    applyView();
  });
  window.addEventListener("pointerup", () => { drag = null; svgRoot.classList.remove("panning"); });

  nodeLayer.addEventListener("click", (event) => {
    if (dragged) { dragged = false; return; }
    const g = event.target.closest(".node");
    if (!g) return;
    const id = g.getAttribute("data-id");
    if (event.target.closest(".toggle")) { toggle(id); return; }
    if (hasChildren(id) && !expanded.has(id)) { expanded.add(id); redraw(id); }
    select(id);
  });
  function toggle(id) {
    if (expanded.has(id)) {
      [...expanded].forEach((p) => { if (within(p, id)) expanded.delete(p); });
      if (selected && within(selected, id)) selected = id;
    } else expanded.add(id);
    redraw(id);
    if (selected) select(selected);
  }

  // ---- Selection and the side panel.
  const details = document.getElementById("details");
  const hint = details.innerHTML;
  function reveal(name) {
    // Expand the packages above `name` so that its own node is shown.
    const parts = name.split(".");
    for (let i = 1; i < parts.length; i++) expanded.add(parts.slice(0, i).join("."));
    if (hasChildren(name) && modules.has(name)) expanded.add(name);
    if (!modules.get(name).internal) showExternal = document.getElementById("show-external").checked = true;
  }
  function linkTo(name) {
    const a = el("a", {"data-module": name}, name);
    a.addEventListener("click", () => { reveal(name); redraw(null); select(name); centreOn(name); });
    return a;
  }
  function lineList(lines) {
    const box = el("span");
    lines.slice(0, LINES_SHOWN).forEach((ln) => {
      const where = el("span", {class: "where"}, `${ln.file}:${ln.line}`);
      where.appendChild(el("span", {class: "kind"}, ln.kind));
      if (ln.statement) where.appendChild(el("span", {class: "statement"}, ln.statement));
      box.appendChild(where);
    });
    if (lines.length > LINES_SHOWN) box.appendChild(el("span", {class: "where"}, `\u2026 and ${lines.length - LINES_SHOWN} more`));
    return box;
  }
  function section(title, grouped) {
    const frag = document.createDocumentFragment();
    const names = [...grouped.keys()].sort();
    frag.appendChild(el("h4", null, `${title} (${names.length})`));
    const list = el("ul", {class: title === "Imports" ? "imports" : "importers"});
    names.forEach((name) => {
      const item = el("li", {"data-module": name});
      const edges = grouped.get(name);
      let kind = edges[0].kind;
      edges.forEach((e) => { if (RANK[e.kind] < RANK[kind]) kind = e.kind; });
      item.appendChild(linkTo(name));
      item.appendChild(el("span", {class: "kind"}, kind));
      item.appendChild(lineList(edges.flatMap((e) => e.lines)));
      list.appendChild(item);
    });
    if (!names.length) list.appendChild(el("li", {class: "hint"}, "none"));
    frag.appendChild(list);
    return frag;
  }
  function select(id) {
    selected = id && nodeById.has(id) ? id : id && nodeById.has(shownAs(id)) ? shownAs(id) : null;
    mark();
    if (!selected) { details.innerHTML = hint; problems(); return; }
    const inside = new Set(members(selected));
    const imports = new Map(), importers = new Map();
    inside.forEach((m) => {
      (out.get(m) || []).forEach((e) => {
        if (inside.has(e.imported)) return;
        if (!imports.has(e.imported)) imports.set(e.imported, []);
        imports.get(e.imported).push(e);
      });
      (inn.get(m) || []).forEach((e) => {
        if (inside.has(e.importer)) return;
        if (!importers.has(e.importer)) importers.set(e.importer, []);
        importers.get(e.importer).push(e);
      });
    });
    details.textContent = "";
    details.appendChild(el("h3", null, selected));
    const node = nodeById.get(selected), info = prefixes.get(selected);
    const what = node.group ? `package, ${info.size} modules (shown folded)` : hasChildren(selected) ? "package" : "module";
    details.appendChild(el("p", {class: "hint"}, (info.internal ? "" : "external ") + what));
    const m = modules.get(selected);
    if (m && m.file) details.appendChild(el("p", {class: "path"}, m.file));
    if (node.toggle) {
      const button = el("button", {type: "button", id: "toggle"}, expanded.has(selected) ? "Collapse" : "Expand");
      button.addEventListener("click", () => toggle(selected));
      details.appendChild(button);
    }
    details.appendChild(section("Imports", imports));
    details.appendChild(section("Imported by", importers));
  }
  function problems() {
    if (!data.problems.length) return;
    details.appendChild(el("h4", null, `Parse problems (${data.problems.length})`));
    const list = el("ul", {class: "problems"});
    data.problems.forEach((p) => list.appendChild(el("li", {class: "where"}, `${p.file}:${p.line}: ${p.message}`)));
    details.appendChild(list);
  }

  // ---- Marking: the selection, its edges, and what the search matches.
  function mark() {
    const q = searchText;
    let matched = 0;
    if (q) modules.forEach((m) => { if (m.name.toLowerCase().includes(q)) matched++; });
    nodeLayer.querySelectorAll(".node").forEach((g) => {
      const id = g.getAttribute("data-id");
      g.classList.toggle("sel", id === selected);
      let match = false, inside = false;
      if (q) {
        match = id.toLowerCase().includes(q);
        if (!match && nodeById.get(id).group) inside = members(id).some((m) => m.toLowerCase().includes(q));
      }
      g.classList.toggle("match", match);
      g.classList.toggle("inside", inside);
      g.classList.toggle("dim", Boolean(q) && !match && !inside);
    });
    edgeLayer.querySelectorAll(".edge").forEach((p) => {
      const touches = selected !== null && (p.getAttribute("data-from") === selected || p.getAttribute("data-to") === selected);
      p.classList.toggle("hl", touches);
      p.classList.toggle("dim", selected !== null && !touches);
    });
    document.getElementById("search-count").textContent = q ? `${matched} of ${modules.size} modules match` : "";
  }
  const search = document.getElementById("search");
  search.addEventListener("input", () => { searchText = search.value.trim().toLowerCase(); mark(); });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !searchText) return;
    const first = [...modules.keys()].sort().find((m) => m.toLowerCase().includes(searchText));
    if (!first) return;
    reveal(first); redraw(null); select(first); centreOn(first);
  });

  document.getElementById("fit").addEventListener("click", fit);
  document.getElementById("expand-all").addEventListener("click", () => {
    children.forEach((kids, p) => { if (kids.size) expanded.add(p); });
    draw(); fit(); select(selected);
  });
  document.getElementById("collapse-all").addEventListener("click", () => {
    expanded.clear(); draw(); fit(); select(selected);
  });
  document.getElementById("show-external").addEventListener("change", (event) => {
    showExternal = event.target.checked;
    draw(); fit(); select(selected);
  });

  // ---- Summary and legend.
  const internal = data.modules.filter((m) => m.internal).length;
  const problemsText = data.problems.length ? `, ${data.problems.length} parse problem${data.problems.length === 1 ? "" : "s"}` : "";
  document.getElementById("summary").textContent =
    `${internal} modules, ${data.modules.length - internal} external, ${data.edges.length} edges${problemsText}`;
  const legend = document.getElementById("legend");
  KINDS.forEach((kind) => {
    const item = el("span", {"data-kind": kind});
    const sample = svg("svg", {width: 28, height: 8});
    sample.appendChild(svg("path", {d: "M0,4L28,4", class: `edge ${kind}${IMPORT_TIME.has(kind) ? "" : " deferred"}`}));
    item.appendChild(sample);
    item.appendChild(document.createTextNode(kind + (IMPORT_TIME.has(kind) ? "" : " (deferred)")));
    legend.appendChild(item);
  });

  draw();
  fit();
  select(null);
  document.body.setAttribute("data-ready", "1");
})();
