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

  // Heights as laid out at the sheet's width, including the gap to the next piece.
  source.style.width = WIDTH + "px";
  var measured = pieces.filter(function (p) { return p.el; });
  var rects = measured.map(function (p) { return p.el.getBoundingClientRect(); });
  measured.forEach(function (p, i) {
    var r = rects[i];
    var next = rects[i + 1];
    p.h = r.height;
    p.gap = next && next.top >= r.bottom ? Math.min(next.top - r.bottom, 40) : 0;
  });

  // Pack.
  var pages = document.createElement("div");
  pages.id = "print-pages";
  var sheets = [];
  var sheet = null, used = 0, stack = [];
  function newSheet() {
    sheet = document.createElement("div");
    sheet.className = "sheet";
    pages.appendChild(sheet);
    sheets.push(sheet);
    used = 0;
    // Reopen the flowables in progress (shells without ids, so ids stay unique).
    var parent = sheet;
    stack.forEach(function (frame) {
      var shell = frame.el.cloneNode(false);
      shell.removeAttribute("id");
      shell.classList.add("continued");
      parent.appendChild(shell);
      frame.target = shell;
      parent = shell;
    });
  }
  function target() {
    return stack.length ? stack[stack.length - 1].target : sheet;
  }
  var chapterShell = null;
  pieces.forEach(function (p) {
    if (p.chapter) {
      stack = [];
      newSheet();
      // The chapter's own element keeps its id on the sheet where it starts.
      chapterShell = p.chapter.cloneNode(false);
      sheet.appendChild(chapterShell);
      stack = [{ el: p.chapter, target: chapterShell, chapter: true }];
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
    if (!sheet) newSheet();
    if (used > 0 && used + p.h > HEIGHT) {
      // Continue the chapter on a new sheet: shells of the open containers, without ids.
      var frames = stack;
      stack = frames.map(function (f) { return { el: f.el, chapter: f.chapter }; });
      newSheet();
    }
    target().appendChild(p.el);
    used += p.h + p.gap;
  });
  source.parentNode.replaceChild(pages, source);

  // A piece taller than a sheet makes its sheet longer than a page: count the pages it takes.
  var first = [];
  var page = 1;
  sheets.forEach(function (s) {
    first.push(page);
    var h = s.scrollHeight;
    var n = Math.max(1, Math.ceil((h - 1) / (HEIGHT + 2 * MM)));
    if (n > 1) s.classList.add("tall");
    page += n;
  });
  document.querySelectorAll(".toc-page[data-target]").forEach(function (span) {
    var el = document.getElementById(span.getAttribute("data-target"));
    if (!el) return;
    var s = el.closest(".sheet");
    var i = sheets.indexOf(s);
    if (i >= 0) span.textContent = String(first[i]);
  });
  document.documentElement.setAttribute("data-pages", String(page - 1));
})();
