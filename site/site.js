// Small helpers for every page of the manual: the menu button on narrow screens.
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var menu = document.getElementById("menu");
  if (!button || !menu) return;
  function set(open) {
    menu.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "閉じる" : "目次";
  }
  button.addEventListener("click", function () { set(!menu.classList.contains("open")); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && menu.classList.contains("open")) { set(false); button.focus(); }
  });
  menu.addEventListener("click", function (e) { if (e.target.closest("a")) set(false); });
})();
