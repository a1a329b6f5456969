// Urne — live updates of the public pages and the big screen.
// Subscribes to /ws/elections/{id}?since=N and, for each frame:
//  - patches the figures in place: [data-banner=CODE] ("N bureaux sur M" of
//    a perimeter), [data-tally="p:CODE"|"b:CODE"] regions (their data-f cells
//    and candidate rows), rows of the bureaux table (tr[data-bureau]);
//  - then re-fetches the page (rendered once per change on the server, so
//    this is cheap) and swaps the [data-refresh] regions: charts and tables
//    too rich to patch by hand. The big screen does it at once, other pages
//    after a short random delay so that thousands of readers do not ask in
//    the same millisecond.
// Reconnects with exponential backoff, resuming from the last sequence
// number applied. Figures are formatted like the server does, per language.
(function () {
  "use strict";
  var main = document.querySelector("main[data-election]");
  if (!main || !window.WebSocket) return;
  var election = main.dataset.election;
  var lang = main.dataset.lang || document.documentElement.lang || "fr";
  var seq = parseInt(main.dataset.seq || "-1", 10);
  var embargo = main.dataset.embargo === "true";
  var jitter = main.dataset.jitter !== undefined ? parseInt(main.dataset.jitter, 10) : 1500;
  var status = document.querySelector("[data-live-status]");
  var liveText = status ? status.textContent : "";
  var names = {};
  try {
    JSON.parse(document.getElementById("candidates").textContent).forEach(function (c) { names[c.number] = c.name; });
  } catch (e) { /* no candidates block */ }

  var NNBSP = "\u202f", NBSP = "\u00a0";
  var EN = lang === "en";
  function int(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, EN ? "," : NNBSP); }
  function pct(p) {
    if (p === null || p === undefined) return "–";
    return EN ? p.toFixed(2) + "%" : p.toFixed(2).replace(".", ",") + NBSP + "%";
  }
  var STATES = EN
    ? { not_arrived: "not arrived", entered: "entered", validated: "validated", published: "published" }
    : { not_arrived: "non parvenu", entered: "saisi", validated: "validé", published: "publié" };

  function set(root, f, text) {
    var el = root.querySelector('[data-f="' + f + '"]');
    if (el && el.textContent !== text) el.textContent = text;
  }
  function each(sel, fn) { Array.prototype.forEach.call(main.querySelectorAll(sel), fn); }

  function applyBanner(el, t) {
    set(el, "arrived", String(t.arrived));
    set(el, "total", String(t.total));
    var done = t.arrived === t.total;
    el.classList.toggle("complete", done);
    el.classList.toggle("partial", !done);
    var label = el.querySelector('[data-f="status-label"]');
    if (label) {
      var text = done ? label.dataset.complete : label.dataset.partial;
      if (text && label.textContent !== text) label.textContent = text;
    }
    var bar = el.querySelector('[data-f="progress"]');
    if (bar) bar.style.width = (t.total ? Math.floor(t.arrived * 100 / t.total) : 0) + "%";
  }

  function applyTally(region, t) {
    var c = t.counts, r = t.rates;
    ["inscrits", "votants", "abstentions", "blancs", "nuls", "exprimes"].forEach(function (k) { set(region, k, int(c[k])); });
    ["participation", "abstention", "blancs_inscrits", "blancs_votants", "nuls_inscrits", "nuls_votants", "exprimes_inscrits", "exprimes_votants"]
      .forEach(function (k) { set(region, k, pct(r[k])); });
    set(region, "arrived", String(t.arrived));
    t.turnout.forEach(function (p) {
      var row = region.querySelector('tr[data-hour="' + p.hour + '"]');
      if (!row) return;
      set(row, "t-votants", int(p.votants));
      set(row, "t-rate", pct(p.rate));
      var b = row.querySelector('[data-f="t-bureaux"]');
      if (b) {
        var text = b.textContent.indexOf("/") >= 0 ? p.bureaux + " / " + t.total : String(p.bureaux);
        if (b.textContent !== text) b.textContent = text;
      }
    });
    var max = 0;
    t.scores.forEach(function (s) { if (s.pct_exprimes > max) max = s.pct_exprimes; });
    t.scores.forEach(function (s) {
      Array.prototype.forEach.call(region.querySelectorAll('tr[data-cand="' + s.candidate + '"]'), function (row) {
        row.dataset.voix = s.voix;
        set(row, "voix", int(s.voix));
        set(row, "pct", pct(s.pct_exprimes));
        var bar = row.querySelector('[data-f="bar"]');
        if (bar) {
          // Bars of a [data-scale=max] table are relative to the leader's.
          var scaled = bar.closest('[data-scale="max"]');
          var w = s.pct_exprimes || 0;
          if (scaled) w = max > 0 ? w * 100 / max : 0;
          bar.style.width = w.toFixed(2) + "%";
        }
      });
    });
    Array.prototype.forEach.call(region.querySelectorAll('[data-f="scores"]'), function (body) {
      var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-cand]"));
      rows.sort(function (a, b) { return (b.dataset.voix - a.dataset.voix) || (a.dataset.cand - b.dataset.cand); });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  }

  function applyPerimeter(code, t) {
    each('[data-banner="' + code + '"]', function (el) { applyBanner(el, t); });
    each('[data-tally="p:' + code + '"]', function (el) { applyTally(el, t); });
    each('li[data-perimeter="' + code + '"]', function (li) { set(li, "p-arrived", String(t.arrived)); });
  }

  function applyBureau(code, state, t, flash) {
    each('tr[data-bureau="' + code + '"]', function (row) {
      var cell = row.querySelector('[data-f="state"]');
      if (cell) {
        var span = document.createElement("span");
        span.className = "state " + state;
        span.textContent = STATES[state] || state;
        cell.replaceChildren(span);
      }
      set(row, "participation", t.arrived > 0 ? pct(t.rates.participation) : "–");
      var lead = "";
      if (t.arrived > 0 && t.counts.exprimes > 0) {
        var best = t.scores.slice().sort(function (a, b) { return (b.voix - a.voix) || (a.candidate - b.candidate); })[0];
        if (best) lead = names[best.candidate] || "";
      }
      set(row, "leader", lead);
      if (flash) { row.classList.remove("flash"); void row.offsetWidth; row.classList.add("flash"); }
    });
    each('[data-tally="b:' + code + '"]', function (el) {
      set(el, "state", STATES[state] || state);
      applyTally(el, t);
    });
  }

  // Re-fetch the page and swap its [data-refresh] regions.
  var refreshTimer = null, refreshing = false, again = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.pathname + location.search, { cache: "no-cache", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main[data-election]");
        if (fresh && fresh.dataset.embargo !== main.dataset.embargo) { location.reload(); return; }
        each("[data-refresh][id]", function (el) {
          var repl = doc.getElementById(el.id);
          if (repl) el.replaceWith(document.importNode(repl, true));
        });
        document.dispatchEvent(new CustomEvent("urne:refreshed"));
      })
      .catch(function () { /* the next change will try again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; scheduleRefresh(); }
      });
  }
  function scheduleRefresh() {
    if (!main.querySelector("[data-refresh]")) return;
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(); }, 150 + Math.random() * jitter);
  }

  function onFrame(msg) {
    if (msg.type === "snapshot" && msg.embargo !== embargo) {
      // The embargo ended (or began): the page's sections change, reload it.
      location.reload();
      return;
    }
    if (msg.type === "seq") {
      seq = msg.seq;
      main.dataset.seq = String(seq);
      return;
    }
    var changed = false;
    if (msg.type === "snapshot") {
      changed = msg.seq !== seq;
      Object.keys(msg.perimeters).forEach(function (p) { applyPerimeter(p, msg.perimeters[p]); });
      Object.keys(msg.bureaux).forEach(function (b) { applyBureau(b, msg.bureaux[b].state, msg.bureaux[b].tally, false); });
    } else if (msg.type === "change") {
      if (msg.seq <= seq) return;
      changed = true;
      Object.keys(msg.perimeters).forEach(function (p) { applyPerimeter(p, msg.perimeters[p]); });
      applyBureau(msg.bureau, msg.state, msg.tally, true);
      document.dispatchEvent(new CustomEvent("urne:change", { detail: { bureau: msg.bureau, state: msg.state } }));
    }
    seq = msg.seq;
    main.dataset.seq = String(seq);
    if (changed) scheduleRefresh();
  }

  var delay = 500;
  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(proto + "//" + location.host + "/ws/elections/" + encodeURIComponent(election) + "?since=" + seq);
    ws.onopen = function () {
      delay = 500;
      if (status) { status.textContent = liveText; status.classList.remove("offline"); }
    };
    ws.onmessage = function (ev) {
      try { onFrame(JSON.parse(ev.data)); } catch (e) { /* ignore a bad frame */ }
    };
    ws.onclose = function () {
      if (status) { status.textContent = status.dataset.offline || "…"; status.classList.add("offline"); }
      setTimeout(connect, delay + Math.random() * delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
