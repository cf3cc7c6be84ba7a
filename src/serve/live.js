// mamoru serve: live reload for the manual. Loaded by every page the development server sends
// (never part of a build). It listens to /__mamoru/events and
//  - reloads the page when it changed, keeping the scroll position;
//  - shows the policy's errors over the page (file:line:column, the line with the mistake
//    marked), and hides them when the policy is fixed; the last good manual stays underneath.
(() => {
  "use strict";
  const me = document.currentScript;
  const generation = (me && me.dataset.generation) || "0";
  let page = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (page === "" || page.endsWith("/")) page += "index.html";
  const scrollKey = "mamoru-scroll:" + page;

  // Back where the reader was before the reload.
  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const [x, y] = saved.split(",").map(Number);
    const restore = () => window.scrollTo(x, y);
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore, { once: true });
    restore();
  }

  function reload() {
    sessionStorage.setItem(scrollKey, `${window.scrollX},${window.scrollY}`);
    location.reload();
  }

  let overlay = null;
  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
    document.documentElement.removeAttribute("data-mamoru-errors");
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function show(state) {
    hide();
    const l = state.labels;
    const list = el("ol", { style: "margin:0;padding:0 0 0 1.4em" });
    for (const e of state.errors) {
      const item = el("li", { style: "margin:0 0 1em 0" });
      const head = el("div", {},
        el("code", { style: "font-weight:bold" }, e.code), " ",
        e.where ? el("code", { "data-where": "" }, e.where) : null);
      item.append(head, el("div", { style: "margin:.2em 0;white-space:pre-wrap" }, e.message));
      if (e.snippet) {
        const s = e.snippet;
        item.append(el("pre", { style: "margin:.3em 0;padding:.4em;background:#2b2b2b;color:#eee;overflow-x:auto;white-space:pre" },
          el("span", { style: "color:#999" }, String(s.line).padStart(4) + " │ "),
          s.before,
          el("mark", { style: "background:#c62828;color:#fff;text-decoration:underline wavy" }, s.token || " "),
          s.after));
      }
      for (const n of e.notes || []) item.append(el("div", { style: "color:#555;white-space:pre-wrap" }, n));
      if (e.hint) item.append(el("div", { style: "color:#1b5e20" }, `${l.hint}: ${e.hint}`));
      list.append(item);
    }
    const close = el("button", { type: "button", style: "float:right;font:inherit;padding:.2em .8em" }, l.close);
    close.addEventListener("click", hide);
    overlay = el("section", {
      id: "mamoru-errors", role: "alert", "aria-live": "assertive",
      style: "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#fff8f7;color:#1a1a1a;border-top:4px solid #c62828;box-shadow:0 -4px 16px rgba(0,0,0,.25);" +
        "padding:1em 1.2em;font:14px/1.5 system-ui,sans-serif",
    }, close, el("h2", { style: "margin:0 0 .3em;font-size:1.2em;color:#b71c1c" }, l.title),
      el("p", { style: "margin:0 0 .8em" }, l.note), list);
    document.body.append(overlay);
    document.documentElement.setAttribute("data-mamoru-errors", String(state.errors.length));
  }

  function onState(state) {
    if (state.errors && state.errors.length) show(state);
    else hide();
  }

  const url = `/__mamoru/events?page=${encodeURIComponent(page)}&gen=${encodeURIComponent(generation)}`;
  const source = new EventSource(url);
  source.addEventListener("state", (ev) => onState(JSON.parse(ev.data)));
  source.addEventListener("reload", (ev) => {
    const r = JSON.parse(ev.data);
    if (r.pages === "all" || (Array.isArray(r.pages) && r.pages.includes(page))) reload();
  });
  window.addEventListener("pagehide", () => source.close());
})();
