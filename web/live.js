// Urne — live updates of a results page.
// Subscribes to /ws/elections/{id}?since=N, applies snapshot and change frames
// to the elements marked with data-f / data-cand / data-bureau, and reconnects
// with exponential backoff, resuming from the last sequence number it applied.
(function () {
  "use strict";
  var main = document.querySelector("main[data-election]");
  if (!main || !window.WebSocket) return;
  var election = main.dataset.election;
  var scope = main.dataset.scope;
  var code = main.dataset.code;
  var seq = parseInt(main.dataset.seq || "-1", 10);
  var status = document.querySelector("[data-live-status]");
  var names = {};
  try {
    JSON.parse(document.getElementById("candidates").textContent).forEach(function (c) { names[c.number] = c.name; });
  } catch (e) { /* no candidates block */ }

  var NNBSP = "\u202f", NBSP = "\u00a0";
  function int(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP); }
  function pct(p) { return p === null || p === undefined ? "–" : p.toFixed(2).replace(".", ",") + NBSP + "%"; }
  function set(root, f, text) {
    var el = root.querySelector('[data-f="' + f + '"]');
    if (el && el.textContent !== text) el.textContent = text;
  }

  function applyTally(t) {
    set(main, "arrived", String(t.arrived));
    set(main, "total", String(t.total));
    var st = main.querySelector('[data-f="status"]');
    if (st) {
      var done = t.arrived === t.total;
      st.classList.toggle("complete", done);
      st.classList.toggle("partial", !done);
      set(st, "status-label", done ? "Résultats complets" : "Résultats provisoires");
    }
    var c = t.counts, r = t.rates;
    ["inscrits", "votants", "abstentions", "blancs", "nuls", "exprimes"].forEach(function (k) { set(main, k, int(c[k])); });
    ["participation", "abstention", "blancs_inscrits", "blancs_votants", "nuls_inscrits", "nuls_votants", "exprimes_inscrits", "exprimes_votants"]
      .forEach(function (k) { set(main, k, pct(r[k])); });
    t.turnout.forEach(function (p) {
      var row = main.querySelector('tr[data-hour="' + p.hour + '"]');
      if (!row) return;
      set(row, "t-votants", int(p.votants));
      set(row, "t-rate", pct(p.rate));
      set(row, "t-bureaux", String(p.bureaux));
    });
    var body = main.querySelector('[data-f="scores"]');
    if (!body) return;
    t.scores.forEach(function (s) {
      var row = body.querySelector('tr[data-cand="' + s.candidate + '"]');
      if (!row) return;
      row.dataset.voix = s.voix;
      set(row, "voix", int(s.voix));
      set(row, "pct", pct(s.pct_exprimes));
      var bar = row.querySelector('[data-f="bar"]');
      if (bar) bar.style.width = (s.pct_exprimes || 0) + "%";
    });
    var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-cand]"));
    rows.sort(function (a, b) { return (b.dataset.voix - a.dataset.voix) || (a.dataset.cand - b.dataset.cand); });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  var STATES = { not_arrived: "non parvenu", entered: "saisi", validated: "validé", published: "publié" };
  function applyBureau(codeB, state, t, flash) {
    var row = main.querySelector('tr[data-bureau="' + codeB + '"]');
    if (row) {
      var cell = row.querySelector('[data-f="state"]');
      if (cell) cell.innerHTML = '<span class="state ' + state + '">' + STATES[state] + "</span>";
      set(row, "participation", t.arrived > 0 ? pct(t.rates.participation) : "–");
      var lead = "";
      if (t.arrived > 0) {
        var best = t.scores.slice().sort(function (a, b) { return (b.voix - a.voix) || (a.candidate - b.candidate); })[0];
        if (best) lead = names[best.candidate] || "";
      }
      set(row, "leader", lead);
      if (flash) { row.classList.remove("flash"); void row.offsetWidth; row.classList.add("flash"); }
    }
    if (scope === "bureau" && codeB === code) {
      set(main, "state", STATES[state]);
      applyTally(t);
    }
  }

  function applyPerimeters(perimeters) {
    Object.keys(perimeters).forEach(function (p) {
      var li = main.querySelector('li[data-perimeter="' + p + '"]');
      if (li) set(li, "p-arrived", String(perimeters[p].arrived));
    });
    if (scope === "perimeter" && perimeters[code]) applyTally(perimeters[code]);
  }

  var embargo = main.dataset.embargo === "true";
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
    if (msg.type === "snapshot") {
      applyPerimeters(msg.perimeters);
      Object.keys(msg.bureaux).forEach(function (b) { applyBureau(b, msg.bureaux[b].state, msg.bureaux[b].tally, false); });
    } else if (msg.type === "change") {
      if (msg.seq <= seq) return;
      applyPerimeters(msg.perimeters);
      applyBureau(msg.bureau, msg.state, msg.tally, true);
    }
    seq = msg.seq;
    main.dataset.seq = String(seq);
  }

  var delay = 500;
  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(proto + "//" + location.host + "/ws/elections/" + encodeURIComponent(election) + "?since=" + seq);
    ws.onopen = function () {
      delay = 500;
      if (status) { status.textContent = "mise à jour en direct"; status.classList.remove("offline"); }
    };
    ws.onmessage = function (ev) {
      try { onFrame(JSON.parse(ev.data)); } catch (e) { /* ignore a bad frame */ }
    };
    ws.onclose = function () {
      if (status) { status.textContent = "connexion perdue, nouvelle tentative…"; status.classList.add("offline"); }
      setTimeout(connect, delay + Math.random() * delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
