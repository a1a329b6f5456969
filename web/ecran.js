// Urne — the big screen's rotation.
// The server renders every slide (one per arrived bureau, newest first, or
// one per turnout hour before results) with the first one visible, so the
// screen is complete without this script. Here we only rotate: one slide
// every `?periode=N` seconds (default: data-period), keep the current slide
// across the live refreshes done by live.js, and jump to a bureau as soon
// as it is published, or to its early trend (data-code="t-CODE") as soon as
// one appears. A bureau with many candidates has several slides (CODE,
// CODE~2…), shown in turn like the others. "f" or the button toggles full
// screen. The map of the night is the last slide (data-code="map");
// ?diapo=map starts on it.
(function () {
  "use strict";
  var main = document.querySelector("main.ecran");
  if (!main) return;
  var params = new URLSearchParams(location.search);
  var period = parseInt(params.get("periode") || main.dataset.period || "8", 10);
  if (!(period >= 2 && period <= 600)) period = 8;
  var current = null; // data-code of the slide on screen
  var next = null;    // a bureau just published, shown next
  var trends = [];    // bureaux that changed without a trend slide yet
  var timer = null;

  function slides() { return Array.prototype.slice.call(main.querySelectorAll("#slides .slide")); }

  function show(code) {
    var all = slides();
    if (!all.length) return;
    var idx = 0;
    for (var i = 0; i < all.length; i++) if (all[i].dataset.code === code) { idx = i; break; }
    all.forEach(function (s, i) { s.classList.toggle("current", i === idx); });
    current = all[idx].dataset.code;
    var count = main.querySelector("#slides .slide-count");
    if (count) count.textContent = all.length > 1 ? (idx + 1) + " / " + all.length : "";
  }

  function advance() {
    var all = slides();
    if (!all.length) return;
    if (next) { var n = next; next = null; show(n); return; }
    var idx = -1;
    for (var i = 0; i < all.length; i++) if (all[i].dataset.code === current) { idx = i; break; }
    show(all[(idx + 1) % all.length].dataset.code);
  }

  function restart() {
    if (timer) clearInterval(timer);
    timer = setInterval(advance, period * 1000);
  }

  function slide(code) { return main.querySelector('#slides .slide[data-code="' + code + '"]'); }

  document.addEventListener("urne:change", function (ev) {
    if (!ev.detail) return;
    if (ev.detail.state === "published") next = ev.detail.bureau;
    else if (!slide("t-" + ev.detail.bureau)) trends.push("t-" + ev.detail.bureau);
  });
  document.addEventListener("urne:refreshed", function () {
    // New slides came in: show the bureau that just arrived (or its new
    // trend) right away.
    var fresh = trends.filter(function (t) { return slide(t); });
    trends = [];
    if (next && slide(next)) {
      var n = next; next = null; show(n); restart();
    } else if (fresh.length) {
      show(fresh[fresh.length - 1]); restart();
    } else {
      show(current);
    }
  });

  var button = main.querySelector("button.fullscreen");
  function toggleFullscreen() {
    if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    } else if (document.exitFullscreen) {
      document.exitFullscreen().catch(function () {});
    }
  }
  if (button && document.documentElement.requestFullscreen) {
    button.hidden = false;
    button.addEventListener("click", toggleFullscreen);
  }
  document.addEventListener("keydown", function (ev) { if (ev.key === "f") toggleFullscreen(); });

  // ?diapo=CODE starts on that slide ("map" for the map of the night).
  var first = slides()[0];
  show(params.get("diapo") || (first ? first.dataset.code : null));
  restart();
})();
