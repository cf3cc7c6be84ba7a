// Search for the mamoru manual, on Pagefind's static index (no server, no network beyond this
// site). Browsers do not load the index from a file:// page, so the page says so plainly.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var here = document.currentScript ? document.currentScript.src : location.href;
  var root = new URL("../", here).href;
  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";

  if (location.protocol === "file:") {
    status.textContent = "このページをファイルとして直接開いているため、検索は使えません（ブラウザーの制限です）。" +
      "マニュアルをイントラネットのサーバーに置いて開くか、目次から各ページを開くか、「印刷用」ページで Ctrl+F を使ってください。";
    input.disabled = true;
    form.querySelector("button").disabled = true;
    return;
  }

  var engine = null;
  function load() {
    if (!engine) {
      engine = import(root + "pagefind/pagefind.js").then(function (pf) {
        return pf.options({ baseUrl: "/" }).then(function () { return pf; });
      });
    }
    return engine;
  }

  // Excerpts mark hits with <mark>; rebuild them as nodes instead of injecting HTML.
  function excerpt(text) {
    var p = document.createElement("p");
    p.className = "excerpt";
    text.split(/(<mark>.*?<\/mark>)/).forEach(function (part) {
      var m = /^<mark>(.*)<\/mark>$/.exec(part);
      var plain = document.createElement("textarea");
      plain.innerHTML = m ? m[1] : part;
      if (m) {
        var mark = document.createElement("mark");
        mark.textContent = plain.value;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(plain.value));
      }
    });
    return p;
  }

  function run(query) {
    list.textContent = "";
    if (!query.trim()) { status.textContent = ""; return; }
    status.textContent = "検索中…";
    load().then(function (pf) { return pf.search(query); }).then(function (search) {
      return Promise.all(search.results.slice(0, 30).map(function (r) { return r.data(); }));
    }).then(function (pages) {
      status.textContent = pages.length ? "「" + query + "」の検索結果: " + pages.length + "件" : "「" + query + "」に一致するページはありません。";
      pages.forEach(function (page) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = root + page.url.replace(/^\//, "");
        a.textContent = (page.meta && page.meta.title) || page.url;
        li.appendChild(a);
        li.appendChild(excerpt(page.excerpt || ""));
        list.appendChild(li);
      });
    }).catch(function (err) {
      status.textContent = "検索の読み込みに失敗しました（" + err + "）。目次から各ページを開いてください。";
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value);
  });
  if (input.value) run(input.value);
})();
