// Urne kiosk — on every page served by urne-kiosk: back to the touch home
// after a minute without a touch, and the "liaison interrompue" marker kept
// up to date. The results themselves update through live.js as on the site.
(function () {
  "use strict";
  var tag = document.querySelector("script[data-idle]");
  var IDLE_MS = (tag ? parseInt(tag.dataset.idle, 10) || 60 : 60) * 1000;
  var onHome = location.pathname === "/";
  var onScreen = /\/ecran$/.test(location.pathname);
  var timer = null;
  function arm() {
    if (onHome || onScreen) return;
    clearTimeout(timer);
    timer = setTimeout(function () { location.href = "/"; }, IDLE_MS);
  }
  ["pointerdown", "keydown", "touchstart", "scroll"].forEach(function (ev) {
    window.addEventListener(ev, arm, { passive: true });
  });
  arm();
  // No text input on a kiosk: block context menus and text selection drags.
  window.addEventListener("contextmenu", function (e) { e.preventDefault(); });

  var flag = document.querySelector("[data-kiosk-link]");
  function poll() {
    fetch("/kiosk/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (!flag) return;
        if (s.marker) { flag.textContent = s.marker; flag.hidden = false; }
        else { flag.hidden = true; }
      })
      .catch(function () { /* the kiosk itself is local: ignore */ });
  }
  setInterval(poll, 5000);
})();
