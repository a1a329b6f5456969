// Urne — live updates of the public pages and the big screen.
// Holds the integers of every public tally (from the page's #urne-state, or
// a snapshot frame), applies each delta frame to them (only the integers
// that changed travel, docs/feed.md), recomputes the percentages exactly as
// the server does (half-up to two decimals, from integers: election-data's
// percent.rs and tally_delta.rs, mirrored in `percent` and `expand` below and
// tested against them), and then:
//  - patches the figures in place: [data-banner=CODE] ("N bureaux sur M" of
//    a perimeter), [data-tally="p:CODE"|"b:CODE"] regions (their data-f cells
//    and candidate rows), rows of the bureaux table (tr[data-bureau]), and
//    the changed bureau's shape on the maps ([data-map-bureau=CODE]: fill,
//    class and <title>, shaded as election-data's map module does);
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
  var names = {}, colours = {}, numbers = [];
  try {
    JSON.parse(document.getElementById("candidates").textContent).forEach(function (c) { names[c.number] = c.name; colours[c.number] = c.colour; numbers.push(c.number); });
  } catch (e) { /* no candidates block */ }

  // --- The integers held, and the percentages computed from them. ---
  // held.b[code] = {state, version, a, n, r, c, v, t, k}; held.p[code] = {a, n, r, c, v, t, k}
  // (k: the tally's candidates when they are not the election's, lists
  // standing commune by commune).
  var hours = [], held = null;
  try {
    var boot = JSON.parse(document.getElementById("urne-state").textContent);
    hours = boot.hours || [];
    held = { b: {}, p: {} };
    applyDelta(boot.state);
    // Lists standing commune by commune: each tally's own candidates.
    if (boot.ballots) {
      ["b", "p"].forEach(function (kind) {
        Object.keys(boot.ballots[kind] || {}).forEach(function (code) {
          if (held[kind][code]) held[kind][code].k = boot.ballots[kind][code];
        });
      });
    }
  } catch (e) { held = null; }

  // part / whole in hundredths of a percent, rounded half-up; null when whole is 0.
  function percent(part, whole) {
    if (!whole) return null;
    var num = 2 * part * 10000 + whole, den = 2 * whole;
    return (num - num % den) / den;
  }
  function rate(part, whole) { var h = percent(part, whole); return h === null ? null : h / 100; }
  // Applies one tally's changed integers (a, n, r, c, v, s, t) to what is held.
  function patch(mine, d) {
    ["a", "n", "r", "c", "v", "t"].forEach(function (k) { if (d[k] !== undefined) mine[k] = d[k]; });
    if (d.s) {
      mine.v = (mine.v || []).slice();
      d.s.forEach(function (pair) { if (pair[0] < mine.v.length) mine.v[pair[0]] = pair[1]; });
    }
  }
  // The tally as the server's JSON has it, from its integers.
  function expand(m) {
    var c = m.c || [0, 0, 0, 0, 0];
    var counts = { inscrits: c[0], votants: c[1], abstentions: Math.max(0, c[0] - c[1]), blancs: c[2], nuls: c[3], exprimes: c[4] };
    return {
      arrived: m.a || 0, total: m.n || 0, inscrits_roll: m.r || 0, counts: counts,
      rates: {
        participation: rate(counts.votants, counts.inscrits), abstention: rate(counts.abstentions, counts.inscrits),
        blancs_inscrits: rate(counts.blancs, counts.inscrits), blancs_votants: rate(counts.blancs, counts.votants),
        nuls_inscrits: rate(counts.nuls, counts.inscrits), nuls_votants: rate(counts.nuls, counts.votants),
        exprimes_inscrits: rate(counts.exprimes, counts.inscrits), exprimes_votants: rate(counts.exprimes, counts.votants)
      },
      scores: (m.k || numbers).map(function (n, i) {
        var v = (m.v && m.v[i]) || 0;
        return { candidate: n, voix: v, pct_exprimes: rate(v, counts.exprimes), pct_inscrits: rate(v, counts.inscrits) };
      }),
      turnout: hours.map(function (h, i) {
        var p = (m.t && m.t[i]) || [0, 0, 0];
        return { hour: h, votants: p[0], inscrits: p[1], bureaux: p[2], rate: rate(p[0], p[1]) };
      })
    };
  }
  // The integers of a full tally (a snapshot frame's).
  function integers(t) {
    var c = t.counts;
    return {
      a: t.arrived, n: t.total, r: t.inscrits_roll, c: [c.inscrits, c.votants, c.blancs, c.nuls, c.exprimes],
      v: t.scores.map(function (s) { return s.voix; }),
      k: t.scores.map(function (s) { return s.candidate; }),
      t: t.turnout.map(function (p) { return [p.votants, p.inscrits, p.bureaux]; })
    };
  }
  function applyDelta(d) {
    Object.keys(d.bureaux || {}).forEach(function (code) {
      var b = d.bureaux[code], mine = held.b[code] || (held.b[code] = {});
      mine.state = b.state; mine.version = b.version;
      patch(mine, b);
    });
    Object.keys(d.perimeters || {}).forEach(function (code) {
      patch(held.p[code] || (held.p[code] = {}), d.perimeters[code]);
    });
  }
  // For the tests: every tally held, as the server's JSON has it.
  window.urneLive = {
    percent: percent,
    frames: { snapshot: 0, delta: 0, seq: 0 },
    held: function () {
      if (!held) return null;
      var out = { seq: seq, bureaux: {}, perimeters: {} };
      Object.keys(held.b).forEach(function (k) { out.bureaux[k] = { state: held.b[k].state, tally: expand(held.b[k]) }; });
      Object.keys(held.p).forEach(function (k) { out.perimeters[k] = expand(held.p[k]); });
      return out;
    }
  };

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
    each('[data-map-bureau="' + code + '"]', function (a) { applyMap(a, t); });
  }

  // --- The map: election-data's map::leader_shade and participation_level,
  // from the same integers (results-view's pages/map.rs paints the same). ---
  var LEAD_POINTS = [5, 10, 20], PARTICIPATION_POINTS = [50, 60, 70, 80], LEAD_TINTS = [45, 65, 85, 100];
  // map::tint: the colour mixed with white, each channel in integers.
  function tint(colour, level) {
    if (!/^#[0-9a-fA-F]{6}$/.test(colour)) return colour;
    var keep = LEAD_TINTS[Math.min(Math.max(level, 1), 4) - 1], out = "#";
    for (var i = 1; i < 7; i += 2) {
      var c = parseInt(colour.substr(i, 2), 16), v = 255 - Math.floor(((255 - c) * keep + 50) / 100);
      out += (v < 16 ? "0" : "") + v.toString(16);
    }
    return out;
  }
  var MAP_TEXT = EN
    ? { leads: "leads", turnout: "turnout", none: "not arrived" }
    : { leads: "en tête", turnout: "participation", none: "non parvenu" };
  function leaderShade(t) {
    var e = t.counts.exprimes;
    if (!t.arrived || !e) return null;
    var r = t.scores.slice().sort(function (a, b) { return (b.voix - a.voix) || (a.candidate - b.candidate); });
    if (!r.length) return null;
    var lead = (r[0].voix - (r.length > 1 ? r[1].voix : 0)) * 100, level = 1;
    LEAD_POINTS.forEach(function (p) { if (lead >= p * e) level++; });
    return { candidate: r[0].candidate, level: level, pct: r[0].pct_exprimes };
  }
  function participationLevel(t) {
    var v, i, r;
    if (t.arrived > 0 && t.counts.inscrits > 0) {
      v = t.counts.votants; i = t.counts.inscrits; r = t.rates.participation;
    } else {
      var last = null;
      t.turnout.forEach(function (p) { if (p.inscrits > 0) last = p; });
      if (!last) return null;
      v = last.votants; i = last.inscrits; r = last.rate;
    }
    var level = 0;
    PARTICIPATION_POINTS.forEach(function (p) { if (v * 100 >= p * i) level++; });
    return { level: level, rate: r };
  }
  function applyMap(a, t) {
    var svg = a.closest("svg"), path = a.querySelector("path");
    if (!svg || !path) return;
    var fill = "url(#" + svg.dataset.hatch + ")", cls = "na", tail = MAP_TEXT.none;
    if (svg.dataset.mapMode === "participation") {
      var p = participationLevel(t);
      if (p) {
        fill = (svg.dataset.palette || "").split(",")[Math.min(p.level, 4)];
        cls = "p" + p.level;
        tail = MAP_TEXT.turnout + " " + pct(p.rate);
      }
    } else {
      var s = leaderShade(t);
      if (s) {
        fill = tint(colours[s.candidate] || "#777777", s.level);
        cls = "l" + s.level;
        tail = (names[s.candidate] || "") + " " + MAP_TEXT.leads + ", " + pct(s.pct);
      }
    }
    if (path.getAttribute("fill") !== fill) path.setAttribute("fill", fill);
    if (path.getAttribute("class") !== cls) path.setAttribute("class", cls);
    var title = path.querySelector("title"), text = a.dataset.name + " : " + tail;
    if (title && title.textContent !== text) title.textContent = text;
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

  // Returns false when the frame leaves a hole: the caller resubscribes.
  function onFrame(msg) {
    if (window.urneLive.frames[msg.type] !== undefined) window.urneLive.frames[msg.type]++;
    if ((msg.type === "snapshot" || msg.type === "delta") && msg.embargo !== embargo) {
      // The embargo ended (or began): the page's sections change, reload it.
      location.reload();
      return true;
    }
    if (msg.type === "seq" || msg.type === "delta") {
      if (msg.seq <= seq) return true;
      var from = msg.from !== undefined ? msg.from : msg.seq;
      if (from > seq + 1 || (msg.type === "delta" && !held)) return false;
    }
    if (msg.type === "seq") {
      seq = msg.seq;
      main.dataset.seq = String(seq);
      return true;
    }
    var changed = false;
    if (msg.type === "snapshot") {
      changed = msg.seq !== seq;
      held = { b: {}, p: {} };
      Object.keys(msg.perimeters).forEach(function (p) {
        held.p[p] = integers(msg.perimeters[p]);
        applyPerimeter(p, msg.perimeters[p]);
      });
      Object.keys(msg.bureaux).forEach(function (b) {
        var x = msg.bureaux[b], mine = integers(x.tally);
        mine.state = x.state; mine.version = x.version;
        held.b[b] = mine;
        applyBureau(b, x.state, x.tally, false);
      });
    } else if (msg.type === "delta") {
      changed = true;
      applyDelta(msg);
      Object.keys(msg.perimeters).forEach(function (p) { applyPerimeter(p, expand(held.p[p])); });
      Object.keys(msg.bureaux).forEach(function (b) {
        var mine = held.b[b];
        applyBureau(b, mine.state, expand(mine), true);
        document.dispatchEvent(new CustomEvent("urne:change", { detail: { bureau: b, state: mine.state } }));
      });
    } else {
      return true;
    }
    seq = msg.seq;
    main.dataset.seq = String(seq);
    if (changed) scheduleRefresh();
    return true;
  }

  var delay = 500;
  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    // Without the integers of the page, a snapshot first.
    var since = held ? "?since=" + seq : "";
    var ws = new WebSocket(proto + "//" + location.host + "/ws/elections/" + encodeURIComponent(election) + since);
    ws.onopen = function () {
      delay = 500;
      if (status) { status.textContent = liveText; status.classList.remove("offline"); }
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; /* ignore a bad frame */ }
      if (!onFrame(msg)) { delay = 250; ws.close(); }
    };
    ws.onclose = function () {
      if (status) { status.textContent = status.dataset.offline || "…"; status.classList.add("offline"); }
      setTimeout(connect, delay + Math.random() * delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
