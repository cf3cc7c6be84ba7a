// The print page: lays the manual out on A4 sheets before printing, so that every step, case
// and diagram sits on one page, diagrams are scaled to the page, and the table of contents can
// show the page each chapter starts on (browsers do not implement CSS target-counter()).
// Each sheet is exactly one printed page: it is a block of the page's content height with a
// page break after it. Without JavaScript the page still prints, without page numbers.
(function () {
  "use strict";
  var source = document.getElementById("print-source");
  if (!source) return;
  var MM = 96 / 25.4;
  // A4 less the @page margins in style.css (14 mm sides, 14 mm top, 16 mm bottom), less 2 mm
  // of slack for rounding.
  var WIDTH = 182 * MM;
  var HEIGHT = 265 * MM;

  // Diagrams: never wider than the sheet, never taller than most of it.
  source.querySelectorAll(".diagram svg").forEach(function (svg) {
    var w = parseFloat(svg.getAttribute("width")) || svg.getBoundingClientRect().width;
    var h = parseFloat(svg.getAttribute("height")) || svg.getBoundingClientRect().height;
    var s = Math.min(1, WIDTH / w, (HEIGHT * 0.92) / h);
    svg.setAttribute("width", String(Math.floor(w * s)));
    svg.setAttribute("height", String(Math.floor(h * s)));
    svg.style.maxWidth = "none";
  });

  // The pieces to place, in order: units stay whole; a flowable's children are placed one by
  // one; a chapter starts a new sheet.
  var pieces = [];
  function collect(node, chapterStart) {
    Array.prototype.forEach.call(node.children, function (el) {
      if (el.classList.contains("chapter")) {
        pieces.push({ chapter: el });
        collect(el, true);
      } else if (el.classList.contains("flowable")) {
        pieces.push({ open: el });
        collect(el, false);
        pieces.push({ close: el });
      } else {
        pieces.push({ el: el });
      }
    });
  }
  collect(source, false);

  // Pack, measuring each sheet as it fills (sheets are laid out at their printed width).
  var pages = document.createElement("div");
  pages.id = "print-pages";
  pages.className = "packing";
  source.parentNode.insertBefore(pages, source);
  var sheets = [];
  var sheet = null, stack = [];
  function newSheet() {
    sheet = document.createElement("div");
    sheet.className = "sheet";
    pages.appendChild(sheet);
    sheets.push(sheet);
    // Reopen the containers in progress (shells without ids, so ids stay unique).
    var parent = sheet;
    stack.forEach(function (frame) {
      var shell = frame.el.cloneNode(false);
      if (!frame.keepId) shell.removeAttribute("id");
      frame.keepId = false;
      shell.classList.add("continued");
      // A continued landmark is named as the continuation of the first.
      var by = shell.getAttribute("aria-labelledby");
      if (by && !frame.keepId) {
        var named = document.getElementById(by);
        shell.removeAttribute("aria-labelledby");
        // Each continuation is a landmark of its own: number it so no two share a name.
        frame.continued = (frame.continued || 0) + 1;
        var n = frame.continued > 1 ? " " + frame.continued : "";
        shell.setAttribute("aria-label", (named ? named.textContent : "") + "（続き" + n + "）");
      }
      parent.appendChild(shell);
      frame.target = shell;
      parent = shell;
    });
  }
  function target() {
    return stack.length ? stack[stack.length - 1].target : sheet;
  }
  function full() {
    return sheet.getBoundingClientRect().height > HEIGHT;
  }
  var placed = 0;
  pieces.forEach(function (p) {
    if (p.chapter) {
      // A chapter starts a sheet; its own element keeps its id there.
      stack = [{ el: p.chapter, keepId: true }];
      newSheet();
      placed = 0;
      return;
    }
    if (p.open) {
      var shell = p.open.cloneNode(false);
      target().appendChild(shell);
      stack.push({ el: p.open, target: shell });
      return;
    }
    if (p.close) {
      stack.pop();
      return;
    }
    if (!sheet) { newSheet(); placed = 0; }
    target().appendChild(p.el);
    if (placed > 0 && full()) {
      // Does not fit: the piece starts the next sheet.
      p.el.remove();
      newSheet();
      placed = 0;
      target().appendChild(p.el);
    }
    placed++;
  });
  source.remove();
  pages.classList.remove("packing");

  // A piece taller than a sheet makes its sheet longer than a page: count the pages it takes
  // (the printed page holds 2 mm more than a sheet is packed to).
  var first = [];
  var page = 1;
  pages.classList.add("packing");
  sheets.forEach(function (s) {
    first.push(page);
    var h = s.getBoundingClientRect().height;
    var n = Math.max(1, Math.ceil((h - 0.5) / (HEIGHT + 2 * MM)));
    if (n > 1) s.classList.add("tall");
    page += n;
  });
  pages.classList.remove("packing");
  // On a narrow screen the sheets are shown smaller (never when printing: see style.css).
  var fit = function () {
    var z = Math.min(1, (document.documentElement.clientWidth - 8) / (WIDTH + 2));
    pages.style.setProperty("--sheet-zoom", String(z));
  };
  fit();
  window.addEventListener("resize", fit);
  document.querySelectorAll(".toc-page[data-target]").forEach(function (span) {
    var el = document.getElementById(span.getAttribute("data-target"));
    if (!el) return;
    var s = el.closest(".sheet");
    var i = sheets.indexOf(s);
    if (i >= 0) span.textContent = String(first[i]);
  });
  document.documentElement.setAttribute("data-pages", String(page - 1));
})();
