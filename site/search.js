// Search for the mamoru manual, on every page. The index (search/*.js, written by `mamoru build`)
// is loaded with <script> tags, so search works from a web server and straight from disk
// (file://), and no request leaves the manual. Text is cut exactly as src/emit/site/search.rs
// cuts it: word characters into words, kana and kanji into overlapping pairs.
(function () {
  "use strict";
  var me = document.currentScript;
  var root = new URL("../", me ? me.src : location.href).href;
  var S = (window.mamoruSearch = window.mamoruSearch || {});
  var store = { meta: null, shards: {}, docs: {} };
  var loading = {};
  S.meta = function (m) { store.meta = m; };
  S.shard = function (n, o) { store.shards[n] = o; };
  S.docs = function (n, first, list) { store.docs[n] = { first: first, list: list }; };

  function load(name) {
    if (!loading[name]) {
      loading[name] = new Promise(function (ok, fail) {
        var s = document.createElement("script");
        s.src = root + "search/" + name + ".js";
        s.async = true;
        s.onload = function () { ok(); };
        s.onerror = function () { fail(new Error("search/" + name + ".js")); };
        document.head.appendChild(s);
      });
    }
    return loading[name];
  }

  // ---- text, as in search.rs ----
  function cls(c) {
    var u = c.codePointAt(0);
    if (u >= 0x3041 && u <= 0x309f) return "h";
    if (u === 0x30fb) return "o";
    if ((u >= 0x30a0 && u <= 0x30ff) || (u >= 0x31f0 && u <= 0x31ff)) return "k";
    if (u === 0x3005 || u === 0x3006 || (u >= 0x3400 && u <= 0x4dbf) || (u >= 0x4e00 && u <= 0x9fff) || (u >= 0xf900 && u <= 0xfaff)) return "j";
    if (/[\p{Alphabetic}\p{N}]/u.test(c)) return "w";
    return "o";
  }
  function normalize(s) { return s.normalize("NFKC").toLowerCase(); }
  function tokens(norm) {
    var out = [];
    var cs = Array.from(norm).map(function (c) { return [c, cls(c)]; });
    var i = 0;
    while (i < cs.length) {
      var k = cs[i][1];
      if (k === "o") { i++; continue; }
      var start = i;
      if (k === "w") {
        while (i < cs.length && cs[i][1] === "w") i++;
        out.push({ text: cs.slice(start, i).map(function (x) { return x[0]; }).join(""), core: true });
        continue;
      }
      while (i < cs.length && cs[i][1] !== "w" && cs[i][1] !== "o") i++;
      var run = cs.slice(start, i);
      var allH = run.every(function (x) { return x[1] === "h"; });
      if (run.length === 1) {
        if (run[0][1] === "j") out.push({ text: run[0][0], core: true });
        continue;
      }
      var lone = function (i) {
        return run[i][1] === "j" && (i === 0 || run[i - 1][1] === "h") && (i + 1 >= run.length || run[i + 1][1] === "h");
      };
      for (var j = 0; j + 1 < run.length; j++) {
        out.push({ text: run[j][0] + run[j + 1][0], core: allH || (run[j][1] !== "h" && run[j + 1][1] !== "h") });
        if (lone(j)) out.push({ text: run[j][0], core: true });
        if (j + 2 === run.length && lone(j + 1)) out.push({ text: run[j + 1][0], core: true });
      }
    }
    return out;
  }
  var enc = new TextEncoder();
  function hash(s) {
    var h = 0x811c9dc5;
    enc.encode(s).forEach(function (b) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; });
    return h >>> 0;
  }
  // A word without its trailing hiragana (okurigana, particles), when it has anything else.
  function core(norm) {
    var t = norm.replace(/[\u3041-\u309f]+$/u, "");
    return t.length ? t : norm;
  }

  // ---- querying ----
  // The term itself, and the manual's words for it from the synonym list. A synonym counts
  // by how much of the term its word covers: 「上司を出せ」 is 「上司を出せ」 more than 「上司」.
  function alternatives(term) {
    var n = normalize(term);
    var c = core(n);
    var alts = [{ text: term, norm: n, weight: 1 }];
    ((store.meta && store.meta.synonyms) || []).forEach(function (e) {
      var target = normalize(e[0]);
      var best = 0;
      e[1].forEach(function (w) {
        var nw = normalize(w);
        var cover = 0;
        if (nw === n || c === core(nw)) cover = 1;
        else if (n.indexOf(nw) >= 0) cover = nw.length / n.length;
        else if (n.length >= 2 && nw.indexOf(n) >= 0) cover = n.length / nw.length;
        best = Math.max(best, cover);
      });
      if (best > 0 && target !== n) {
        var weight = 0.85 * Math.max(0.35, best);
        var have = alts.filter(function (a) { return a.norm === target; })[0];
        if (have) have.weight = Math.max(have.weight, weight);
        else alts.push({ text: e[0], norm: target, weight: weight });
      }
    });
    return alts;
  }

  function postings(tok) {
    var m = store.meta;
    var shard = store.shards[hash(tok) % m.shards] || {};
    var list = Object.prototype.hasOwnProperty.call(shard, tok) ? shard[tok] : [];
    var out = new Map();
    var doc = 0;
    for (var i = 0; i + 1 < list.length; i += 2) {
      doc += list[i];
      out.set(doc, list[i + 1]);
    }
    return out;
  }

  function idf(df) {
    var n = store.meta.docs;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  // Scores of the sections matching one alternative: every core token must be there.
  function scoreAlt(alt) {
    var toks = tokens(alt.norm);
    var req = toks.filter(function (t) { return t.core; });
    var opt = toks.filter(function (t) { return !t.core; });
    if (!req.length) return new Map();
    var result = null;
    req.forEach(function (t) {
      var p = postings(t.text);
      var w = idf(p.size);
      var next = new Map();
      p.forEach(function (v, d) {
        if (result === null || result.has(d)) next.set(d, (result ? result.get(d) : 0) + w * v);
      });
      result = next;
    });
    opt.forEach(function (t) {
      var p = postings(t.text);
      var w = idf(p.size) * 0.3;
      p.forEach(function (v, d) { if (result.has(d)) result.set(d, result.get(d) + w * v); });
    });
    if (alt.weight !== 1) result.forEach(function (v, d) { result.set(d, v * alt.weight); });
    return result;
  }

  function shardsFor(terms) {
    var need = new Set();
    terms.forEach(function (alts) {
      alts.forEach(function (a) {
        tokens(a.norm).forEach(function (t) { need.add(hash(t.text) % store.meta.shards); });
      });
    });
    return Array.from(need).sort(function (a, b) { return a - b; });
  }

  // Lower the score of the second, third… section of the same page (page of a section from
  // index.js), then sort again.
  function diversify(hits) {
    var pages = store.meta.pages || [];
    var seen = new Map();
    var out = hits.map(function (h) {
      var p = pages[h[0]];
      var k = seen.get(p) || 0;
      seen.set(p, k + 1);
      return [h[0], h[1] * Math.pow(0.85, k)];
    });
    out.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    return out;
  }

  function chunkOf(doc) {
    var c = store.meta.chunks, lo = 0, hi = c.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (c[mid] <= doc) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // Search: resolves to [{url, title, page, text, marks}] best first.
  function search(query, limit) {
    return load("index").then(function () {
      var words = normalize(query).split(/\s+/).filter(Boolean);
      if (!words.length) return [];
      var terms = words.map(alternatives);
      return Promise.all(shardsFor(terms).map(function (n) { return load("t" + n); })).then(function () {
        var perTerm = terms.map(function (alts) {
          var best = new Map();
          alts.forEach(function (a) {
            scoreAlt(a).forEach(function (v, d) {
              var cur = best.get(d);
              if (!cur || cur.score < v) best.set(d, { score: v, alt: a });
            });
          });
          return best;
        });
        var scores = new Map();
        var counts = new Map();
        perTerm.forEach(function (best) {
          best.forEach(function (v, d) {
            scores.set(d, (scores.get(d) || 0) + v.score);
            counts.set(d, (counts.get(d) || 0) + 1);
          });
        });
        var most = 0;
        counts.forEach(function (c) { most = Math.max(most, c); });
        var hits = [];
        scores.forEach(function (s, d) { if (counts.get(d) === most) hits.push([d, s]); });
        hits.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
        // One page should not fill the list: each further section of a page already listed
        // counts for less.
        hits = diversify(hits.slice(0, 200)).slice(0, limit || 20);
        var chunks = Array.from(new Set(hits.map(function (h) { return chunkOf(h[0]); })));
        return Promise.all(chunks.map(function (c) { return load("d" + c); })).then(function () {
          return hits.map(function (h) {
            var c = store.docs[chunkOf(h[0])];
            var row = c.list[h[0] - c.first] || ["", "", "", ""];
            var marks = [];
            perTerm.forEach(function (best) {
              var v = best.get(h[0]);
              if (v) {
                marks.push(v.alt.text);
                var c2 = core(v.alt.norm);
                if (c2 !== v.alt.norm && c2.length >= 1) marks.push(c2);
              }
            });
            return { url: row[0], title: row[1], page: row[2], text: row[3], marks: marks, score: h[1] };
          });
        });
      });
    });
  }
  S.search = search;
  // For bench/search.mjs, which runs the same expansion against another engine.
  S.alternatives = function (q) { return load("index").then(function () { return normalize(q).split(/\s+/).filter(Boolean).map(alternatives); }); };

  // ---- showing results ----
  function link(r) {
    var url = r.url;
    var hash = "";
    var i = url.indexOf("#");
    if (i >= 0) { hash = url.slice(i); url = url.slice(0, i); }
    return root + url + "?hl=" + encodeURIComponent(r.marks.join(" ")) + hash;
  }

  // Text with the marks wrapped in <mark>, as DOM nodes (never HTML from the index).
  function marked(parent, text, marks) {
    var lower = normalize(text);
    var spans = [];
    marks.forEach(function (m) {
      var n = normalize(m);
      if (!n) return;
      var at = lower.indexOf(n);
      while (at >= 0) { spans.push([at, at + n.length]); at = lower.indexOf(n, at + n.length); }
    });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    spans.forEach(function (s) {
      if (s[0] < pos) return;
      parent.appendChild(document.createTextNode(text.slice(pos, s[0])));
      var mk = document.createElement("mark");
      mk.textContent = text.slice(s[0], s[1]);
      parent.appendChild(mk);
      pos = s[1];
    });
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function excerpt(r) {
    var text = r.text || "";
    var lower = normalize(text);
    var at = -1;
    r.marks.forEach(function (m) {
      var i = lower.indexOf(normalize(m));
      if (i >= 0 && (at < 0 || i < at)) at = i;
    });
    var start = Math.max(0, at - 30);
    var s = (start > 0 ? "…" : "") + text.slice(start, start + 110) + (start + 110 < text.length ? "…" : "");
    var p = document.createElement("p");
    p.className = "excerpt";
    marked(p, s, r.marks);
    return p;
  }

  function item(r, withText) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = link(r);
    a.className = "result-link";
    marked(a, r.title || r.page, r.marks);
    li.appendChild(a);
    if (r.page && r.page !== r.title) {
      var where = document.createElement("span");
      where.className = "result-page";
      where.textContent = r.page;
      li.appendChild(where);
    }
    if (withText) li.appendChild(excerpt(r));
    return li;
  }

  function failText(err) {
    return "検索の索引を読み込めませんでした（" + err.message + "）。目次から各ページを開いてください。";
  }

  // The search page.
  var form = document.getElementById("search-form");
  if (form) {
    var input = document.getElementById("q");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var run = function (q) {
      list.textContent = "";
      if (!q.trim()) { status.textContent = ""; return; }
      status.textContent = "検索中…";
      search(q, 30).then(function (rs) {
        status.textContent = rs.length ? "「" + q + "」の検索結果: " + rs.length + "件" : "「" + q + "」に一致する箇所はありません。言い換えるか、目次から探してください。";
        rs.forEach(function (r) { list.appendChild(item(r, true)); });
      }).catch(function (e) { status.textContent = failText(e); });
    };
    input.value = new URLSearchParams(location.search).get("q") || "";
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      try { history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (x) { /* file:// may refuse */ }
      run(input.value);
    });
    if (input.value) run(input.value);
  }

  // The header's box on every page: results as you type.
  var box = document.getElementById("q-top");
  var pop = document.getElementById("q-top-results");
  if (box && pop) {
    var timer = null;
    var seq = 0;
    var close = function () { pop.hidden = true; box.setAttribute("aria-expanded", "false"); };
    var show = function () {
      var q = box.value;
      var mine = ++seq;
      if (!q.trim()) { pop.textContent = ""; close(); return; }
      search(q, 8).then(function (rs) {
        if (mine !== seq) return;
        pop.textContent = "";
        if (!rs.length) {
          var none = document.createElement("li");
          none.className = "none";
          none.textContent = "一致する箇所はありません";
          pop.appendChild(none);
        }
        rs.forEach(function (r) { pop.appendChild(item(r, false)); });
        pop.hidden = false;
        box.setAttribute("aria-expanded", "true");
      }).catch(function (e) {
        pop.textContent = "";
        var li = document.createElement("li");
        li.className = "none";
        li.textContent = failText(e);
        pop.appendChild(li);
        pop.hidden = false;
      });
    };
    box.addEventListener("focus", function () { load("index").catch(function () {}); });
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(show, 120); });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        var first = pop.querySelector("a");
        if (first) { e.preventDefault(); first.focus(); }
      } else if (e.key === "Escape") {
        close();
      }
    });
    pop.addEventListener("keydown", function (e) {
      var links = Array.from(pop.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i + 1 < links.length) { e.preventDefault(); links[i + 1].focus(); }
      else if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? links[i - 1] : box).focus(); }
      else if (e.key === "Escape") { close(); box.focus(); }
    });
    document.addEventListener("click", function (e) {
      if (!pop.contains(e.target) && e.target !== box) close();
    });
  }

  // Arriving from a result: mark the words in the section the result named.
  var hl = new URLSearchParams(location.search).get("hl");
  if (hl) {
    var id = decodeURIComponent(location.hash.slice(1));
    var scope = (id && document.getElementById(id)) || document.getElementById("main");
    var marks = hl.split(/\s+/).filter(Boolean).sort(function (a, b) { return b.length - a.length; });
    if (scope && marks.length) {
      var walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
        acceptNode: function (n) {
          var p = n.parentElement;
          if (!p || p.closest("script, style, svg, mark, .visually-hidden")) return NodeFilter.FILTER_REJECT;
          return NodeFilter.FILTER_ACCEPT;
        },
      });
      var nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      var firstMark = null;
      nodes.forEach(function (n) {
        var low = normalize(n.data);
        if (!marks.some(function (m) { return low.indexOf(normalize(m)) >= 0; })) return;
        var frag = document.createDocumentFragment();
        marked(frag, n.data, marks);
        if (!firstMark) firstMark = frag.querySelector("mark");
        n.parentNode.replaceChild(frag, n);
      });
      if (scope.id && scope.id !== "main") scope.classList.add("hit-section");
      if (firstMark) firstMark.classList.add("first-hit");
    }
  }
})();
