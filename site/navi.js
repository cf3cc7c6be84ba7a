// 判定ナビ: two questions (conduct, demand) as large buttons, then the verdict, the flow and the
// step to act on now with its script. Every answer is looked up in the data `mamoru build`
// computed with the policy's own engine (the JSON in #navi-data); nothing is judged here.
// Works from file:// (no fetch) and sends no request.
(function () {
  "use strict";
  var box = document.getElementById("navi-body");
  var data;
  try { data = JSON.parse(document.getElementById("navi-data").textContent); } catch (e) { return; }
  if (!box || !data || !data.cells) return;
  var root = document.getElementById("navi").getAttribute("data-root") || "";
  var status = document.getElementById("navi-status");
  var state = { c: null, d: null, ch: null, x: null };
  try {
    var saved = localStorage.getItem("mamoru-navi-channel");
    if (saved !== null && data.channels[Number(saved)]) state.ch = Number(saved);
  } catch (e) { /* storage may be off (file://, private mode) */ }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function link(url, text, cls) {
    var a = el("a", cls, text);
    a.href = root + url;
    return a;
  }
  function small(text, onClick, pressed, cls) {
    var b = el("button", "navi-small" + (cls ? " " + cls : ""), text);
    b.type = "button";
    if (pressed !== undefined) b.setAttribute("aria-pressed", pressed ? "true" : "false");
    b.addEventListener("click", onClick);
    return b;
  }
  function say(text) { if (status) status.textContent = text; }

  function question(axis, key, title, onPick) {
    var frag = document.createDocumentFragment();
    var h = el("p", "navi-q", title);
    h.id = "navi-q";
    h.tabIndex = -1;
    frag.appendChild(h);
    var list = el("div", "navi-choices");
    list.setAttribute("role", "group");
    list.setAttribute("aria-labelledby", "navi-q");
    // Severe first: the reader looks for what happened, and the worst case matters most.
    for (var i = axis.levels.length - 1; i >= 0; i--) {
      (function (i) {
        var l = axis.levels[i];
        var b = el("button", "navi-choice");
        b.type = "button";
        b.setAttribute("data-level", l.id);
        b.setAttribute("aria-pressed", state[key] === i ? "true" : "false");
        b.appendChild(el("span", "lvl", l.label));
        if (l.describe) b.appendChild(el("span", "desc", l.describe));
        if (l.examples && l.examples.length) b.appendChild(el("span", "ex", "例: " + l.examples.join("、")));
        b.addEventListener("click", function () { onPick(i); });
        list.appendChild(b);
      })(i);
    }
    frag.appendChild(list);
    return frag;
  }

  function outcomeView(o) {
    var wrap = el("div");
    if (o.none) { wrap.appendChild(el("p", "navi-answer", o.none)); return wrap; }
    var flow = el("p", "navi-answer");
    flow.appendChild(document.createTextNode("フロー: "));
    flow.appendChild(link(o.url, o.flow));
    wrap.appendChild(flow);
    if (o.passed.length) {
      var path = el("p", "navi-path");
      path.appendChild(document.createTextNode("ここまで: "));
      o.passed.forEach(function (s, i) {
        if (i) path.appendChild(document.createTextNode(" → "));
        path.appendChild(link(s.url, s.title));
      });
      wrap.appendChild(path);
    }
    var now = el("div", "navi-now");
    var head = el("p", "navi-answer");
    head.appendChild(document.createTextNode(o.now.end ? "最後のステップ: " : "いまのステップ: "));
    head.appendChild(link(o.now.url, o.now.title, "step-link"));
    var meta = [o.now.role];
    if (o.now.limit) meta.push("目安 " + o.now.limit);
    if (o.now.hold) meta.push("保留は" + o.now.hold + "まで");
    head.appendChild(el("span", "navi-meta", "（" + meta.join("・") + "）"));
    now.appendChild(head);
    if (o.now.script) {
      now.appendChild(el("p", "navi-answer", "言うこと（" + o.now.script.purpose + "）:"));
      now.appendChild(el("p", "script-text", o.now.script.text));
    }
    if (o.now.end) now.appendChild(el("p", "navi-answer", "結果: " + o.now.end));
    wrap.appendChild(now);
    if (o.waits.length) {
      var w = el("div", "navi-waits");
      w.appendChild(el("p", "navi-answer", "こうなったら:"));
      var ul = el("ul");
      o.waits.forEach(function (x) {
        var li = el("li");
        li.appendChild(document.createTextNode(x.when + " → "));
        li.appendChild(link(x.url, x.title));
        ul.appendChild(li);
      });
      w.appendChild(ul);
      wrap.appendChild(w);
    }
    return wrap;
  }

  function result() {
    var cell = data.cells[state.c][state.d];
    var v = cell.v, os = cell.o, fact = null;
    if (state.x !== null) {
      cell.x.forEach(function (x) { if (x[0] === state.x) { v = x[1]; os = x[2]; fact = data.factors[x[0]]; } });
    }
    var frag = document.createDocumentFragment();
    var verdict = data.verdicts[v];
    var vline = el("div", "navi-verdict");
    vline.id = "navi-q";
    vline.tabIndex = -1;
    vline.appendChild(el("span", "", "判定:"));
    var chip = link(verdict.url, verdict.label, "chip navi-verdict-label");
    chip.style.background = verdict.color;
    chip.style.color = verdict.ink;
    vline.appendChild(chip);
    var lv = data.conduct.levels[state.c].label + " × " + data.demand.levels[state.d].label + (fact ? "・" + fact : "");
    vline.appendChild(el("span", "navi-meta", "（" + lv + "）"));
    frag.appendChild(vline);
    if (verdict.describe) frag.appendChild(el("p", "navi-answer", verdict.describe));
    // The channel, asked only when it changes the answer.
    var same = os.every(function (o) { return o === os[0]; });
    if (!same || data.channels.length === 0) {
      var row = el("div", "navi-row");
      row.setAttribute("role", "group");
      row.setAttribute("aria-label", "窓口");
      row.appendChild(el("span", "", "窓口:"));
      data.channels.forEach(function (c, i) {
        row.appendChild(small(c.label, function () {
          state.ch = i;
          try { localStorage.setItem("mamoru-navi-channel", String(i)); } catch (e) { /* ignore */ }
          render("channel");
        }, state.ch === i, "navi-chan"));
      });
      frag.appendChild(row);
    }
    if (same && os.length) frag.appendChild(outcomeView(data.outcomes[os[0]]));
    else if (state.ch !== null) frag.appendChild(outcomeView(data.outcomes[os[state.ch]]));
    else frag.appendChild(el("p", "navi-answer", "窓口を選ぶと、フローと次にすることが出ます。"));
    if (cell.x.length) {
      var more = el("div", "navi-more");
      more.appendChild(el("p", "navi-answer", "次に当てはまるときは答えが変わります（押すと切り替え）:"));
      var facts = el("div", "navi-facts");
      cell.x.forEach(function (x) {
        var on = state.x === x[0];
        // Say what changes: the verdict, else the flow, else the step.
        var o = data.outcomes[x[2][state.ch === null ? 0 : state.ch]] || {};
        var base = data.outcomes[cell.o[state.ch === null ? 0 : state.ch]] || {};
        var what = x[1] !== cell.v ? data.verdicts[x[1]].label
          : o.flow && o.flow !== base.flow ? o.flow
          : o.now ? o.now.title : (o.none || data.verdicts[x[1]].label);
        facts.appendChild(small(data.factors[x[0]] + " → " + what, function () {
          state.x = on ? null : x[0];
          render("fact");
        }, on, "navi-fact"));
      });
      more.appendChild(facts);
      frag.appendChild(more);
    }
    var again = el("div", "navi-row");
    again.appendChild(small("要求の答えを変える", function () { state.d = null; state.x = null; render("back"); }));
    again.appendChild(small("はじめから", function () { state.c = null; state.d = null; state.x = null; render("back"); }));
    frag.appendChild(again);
    return frag;
  }

  function render(why) {
    box.textContent = "";
    if (state.c === null) {
      box.appendChild(question(data.conduct, "c", "1. お客さまの言動は？（" + data.conduct.label + "）", function (i) {
        state.c = i; state.x = null; render("pick");
      }));
    } else if (state.d === null) {
      var back = el("div", "navi-row");
      back.appendChild(el("span", "navi-meta", "言動: " + data.conduct.levels[state.c].label));
      back.appendChild(small("変える", function () { state.c = null; render("back"); }));
      box.appendChild(back);
      box.appendChild(question(data.demand, "d", "2. 求めている内容は？（" + data.demand.label + "）", function (i) {
        state.d = i; state.x = null; render("pick");
      }));
    } else {
      box.appendChild(result());
      say("判定: " + data.verdicts[data.cells[state.c][state.d].v].label);
    }
    if (why) {
      var target = document.getElementById("navi-q");
      if (target) target.focus({ preventScroll: true });
    }
  }
  render(null);
})();
