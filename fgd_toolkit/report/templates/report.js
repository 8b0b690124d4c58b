/* fgd-toolkit report: opens the quotes behind a heatmap cell, a brief statement or a cluster.
   The data are embedded once as JSON (#fgd-data); quotes are rendered only when asked for,
   25 at a time, so that a study of thousands of passages stays responsive. No network. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("fgd-data").textContent);
  var T = D.ui, P = D.p, C = D.c, PAGE = 25, DIRS = ["e", "b", "n"];

  function fmt(s, o) { return s.replace(/\{(\w+)\}/g, function (m, k) { return o[k]; }); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function num(x, digits) {
    var s = x.toFixed(digits);
    return D.lang === "id" ? s.replace(".", ",") : s;
  }
  function dirName(d) { return T[{e: "enabler", b: "barrier", n: "neutral"}[d]]; }

  /* Which codings (indices into C) or passages (indices into P) a request names. */
  function codingsWhere(test) {
    var out = [];
    for (var i = 0; i < C.p.length; i++) { if (test(i)) { out.push(i); } }
    return out;
  }
  function select(kind, r, c, d) {
    var pol = DIRS.indexOf(d);
    if (kind === "t") {
      return codingsWhere(function (i) { return C.k[i] === r && C.d[i] === pol && P.t[C.p[i]] === c; });
    }
    if (kind === "g") {
      return codingsWhere(function (i) { return C.k[i] === r && C.d[i] === pol && D.tg[P.t[C.p[i]]] === c; });
    }
    if (kind === "s") {
      return codingsWhere(function (i) { return C.k[i] === r && C.d[i] === pol; });
    }
    if (kind === "co") {
      if (r === c) { return codingsWhere(function (i) { return C.k[i] === r; }); }
      var withC = {};
      for (var i = 0; i < C.p.length; i++) { if (C.k[i] === c) { withC[C.p[i]] = C.d[i]; } }
      return codingsWhere(function (i) { return C.k[i] === r && withC.hasOwnProperty(C.p[i]); });
    }
    return [];
  }

  function titleFor(kind, r, c, d, n) {
    var code = D.codes[r][1], count = fmt(T.count, {n: n});
    if (kind === "t") { return code + " · " + D.tr[c] + " · " + dirName(d) + ": " + count; }
    if (kind === "g") { return code + " · " + D.groups[c] + " · " + dirName(d) + ": " + count; }
    if (kind === "s") { return code + " · " + dirName(d) + ": " + count; }
    if (r === c) { return code + ": " + count; }
    return fmt(T.both, {a: code, b: D.codes[c][1]}) + ": " + count;
  }

  function passageMeta(pi) {
    return P.s[pi] === undefined ? "" : D.spk[P.s[pi]] + " · " + D.tr[P.t[pi]] + " · " +
      T.turn + " " + P.turn[pi];
  }
  function quoteItem(i) {
    var pi = C.p[i], li = el("li", "quote");
    li.appendChild(el("blockquote", null, "\u201c" + P.x[pi] + "\u201d"));
    var meta = el("p", "meta");
    var bits = [passageMeta(pi), D.codes[C.k[i]][0] + " " + dirName(DIRS[C.d[i]]),
                T.score + " " + num(C.sc[i], 2), T.source + ": " + D.srcLabel[C.src[i]]];
    meta.appendChild(document.createTextNode(bits.join(" · ")));
    if (D.src[C.src[i]] !== "human") { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "flag", T.unreviewed)); }
    li.appendChild(meta);
    if (C.ev[i]) { li.appendChild(el("p", "evidence", T.evidence + ": " + C.ev[i])); }
    return li;
  }
  function passageItem(pi) {
    var li = el("li", "quote");
    li.appendChild(el("blockquote", null, "\u201c" + P.x[pi] + "\u201d"));
    li.appendChild(el("p", "meta", passageMeta(pi)));
    return li;
  }

  /* Fill a panel: a heading, a close button and the first PAGE items; more on request. */
  function show(panel, title, items, render, opener) {
    panel.hidden = false;
    panel.textContent = "";
    var head = el("div", "panel-head");
    var h = el("h3", null, title);
    h.tabIndex = -1;
    head.appendChild(h);
    var close = el("button", "close", T.close);
    close.type = "button";
    close.addEventListener("click", function () { hide(panel); if (opener) { opener.focus(); } });
    head.appendChild(close);
    panel.appendChild(head);
    if (!items.length) { panel.appendChild(el("p", "hint", T.none)); return; }
    var list = el("ol", "quotes");
    panel.appendChild(list);
    var shown = 0, more = el("button", "more");
    more.type = "button";
    function page() {
      var end = Math.min(items.length, shown + PAGE);
      var frag = document.createDocumentFragment();
      for (; shown < end; shown++) { frag.appendChild(render(items[shown])); }
      list.appendChild(frag);
      var left = items.length - shown;
      more.hidden = left <= 0;
      more.textContent = fmt(T.more, {n: Math.min(PAGE, left)});
    }
    more.addEventListener("click", page);
    panel.appendChild(more);
    page();
  }
  function hide(panel) {
    panel.textContent = "";
    var hint = panel.getAttribute("data-hint");
    if (hint) { panel.appendChild(el("p", "hint", hint)); } else { panel.hidden = true; }
    var active = document.querySelector("td.active");
    if (active) { active.classList.remove("active"); }
  }

  /* Heatmap grids: one tab stop each; arrow keys, Home/End, PageUp/PageDown move; Enter,
     Space or a click opens the cell's quotes in the panel below the table. */
  function navRows(table) {
    if (!table._rows) {
      table._rows = [];
      var trs = table.tBodies[0].rows;
      for (var i = 0; i < trs.length; i++) {
        var cells = trs[i].querySelectorAll("td[data-r]");
        if (cells.length) { table._rows.push(Array.prototype.slice.call(cells)); }
      }
    }
    return table._rows;
  }
  function moveTo(from, to) {
    if (!to || to === from) { return; }
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  }
  function openCell(cell) {
    var table = cell.closest("table"), kind = table.getAttribute("data-kind");
    var r = +cell.getAttribute("data-r"), c = +cell.getAttribute("data-c"), d = cell.getAttribute("data-d");
    var items = select(kind, r, c, d);
    var panel = document.getElementById("panel-" + kind);
    var old = table.querySelector("td.active");
    if (old) { old.classList.remove("active"); }
    cell.classList.add("active");
    show(panel, titleFor(kind, r, c, d, items.length), items, quoteItem, cell);
  }
  function onGridKey(e) {
    var cell = e.target;
    if (!cell.hasAttribute || !cell.hasAttribute("data-r")) { return; }
    var rows = navRows(cell.closest("table")), ri = -1, ci = -1;
    for (var i = 0; i < rows.length && ri < 0; i++) {
      var j = rows[i].indexOf(cell);
      if (j >= 0) { ri = i; ci = j; }
    }
    function at(r, c) {
      r = Math.max(0, Math.min(rows.length - 1, r));
      return rows[r][Math.max(0, Math.min(rows[r].length - 1, c))];
    }
    var target = null;
    switch (e.key) {
      case "Enter": case " ": e.preventDefault(); openCell(cell); return;
      case "Escape": hide(document.getElementById("panel-" + cell.closest("table").getAttribute("data-kind"))); return;
      case "ArrowRight": target = at(ri, ci + 1); break;
      case "ArrowLeft": target = at(ri, ci - 1); break;
      case "ArrowDown": target = at(ri + 1, ci); break;
      case "ArrowUp": target = at(ri - 1, ci); break;
      case "PageDown": target = at(ri + 5, ci); break;
      case "PageUp": target = at(ri - 5, ci); break;
      case "Home": target = e.ctrlKey ? at(0, 0) : at(ri, 0); break;
      case "End": target = e.ctrlKey ? at(rows.length - 1, 1e9) : at(ri, 1e9); break;
      default: return;
    }
    e.preventDefault();
    moveTo(cell, target);
  }
  function onGridClick(e) {
    var cell = e.target.closest ? e.target.closest("td[data-r]") : null;
    if (!cell) { return; }
    var current = cell.closest("table").querySelector("td[data-r][tabindex='0']");
    if (current && current !== cell) { current.tabIndex = -1; cell.tabIndex = 0; }
    cell.focus();
    openCell(cell);
  }
  var grids = document.querySelectorAll("table.heat");
  for (var g = 0; g < grids.length; g++) {
    grids[g].addEventListener("keydown", onGridKey);
    grids[g].addEventListener("click", onGridClick);
  }

  /* Brief statements and emerging themes: a button opens every quote below it. */
  function onButton(e) {
    var b = e.target.closest ? e.target.closest("button[data-open]") : null;
    if (!b) { return; }
    var panel = document.getElementById(b.getAttribute("aria-controls"));
    if (!panel.hidden && panel.childNodes.length) { hide(panel); b.setAttribute("aria-expanded", "false"); return; }
    b.setAttribute("aria-expanded", "true");
    if (b.getAttribute("data-open") === "cluster") {
      var id = +b.getAttribute("data-cluster"), members = [];
      for (var i = 0; i < P.cl.length; i++) { if (P.cl[i] === id) { members.push(i); } }
      show(panel, b.textContent, members, passageItem, b);
    } else {
      var r = +b.getAttribute("data-r"), d = b.getAttribute("data-d"), items = select("s", r, 0, d);
      show(panel, titleFor("s", r, 0, d, items.length), items, quoteItem, b);
    }
  }
  document.addEventListener("click", onButton);
  document.documentElement.setAttribute("data-ready", "1");
})();
