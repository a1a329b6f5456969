// Urne — desk and president forms: live sums while typing.
// The server checks everything again; this only helps spot a slip early.
(function () {
  "use strict";
  var form = document.querySelector("form.pv");
  if (!form) return;
  function val(name) {
    var el = form.querySelector('[name="' + name + '"]');
    if (!el) return null;
    var v = el.value.replace(/[\s\u202f.]/g, "");
    return v === "" || !/^\d+$/.test(v) ? null : parseInt(v, 10);
  }
  function say(check, ok, text) {
    var p = form.querySelector('[data-check="' + check + '"]');
    if (!p) return;
    p.textContent = text;
    p.classList.toggle("ok", ok);
    p.classList.toggle("bad", !ok);
  }
  function update() {
    var votants = val("votants"), blancs = val("blancs"), nuls = val("nuls"), exprimes = val("exprimes");
    if ([votants, blancs, nuls, exprimes].indexOf(null) === -1) {
      var s = blancs + nuls + exprimes;
      say("votants", s === votants, "blancs + nuls + exprimés = " + s + (s === votants ? " = votants ✓" : " ≠ votants (" + votants + ")"));
    } else {
      say("votants", true, "");
    }
    var sum = 0, complete = true;
    form.querySelectorAll('input[name^="voix["]').forEach(function (el) {
      var v = val(el.name);
      if (v === null) complete = false; else sum += v;
    });
    if (complete && exprimes !== null) {
      say("exprimes", sum === exprimes, "total des voix = " + sum + (sum === exprimes ? " = exprimés ✓" : " ≠ exprimés (" + exprimes + ")"));
    } else {
      say("exprimes", true, complete ? "" : "total des voix en cours : " + sum);
    }
  }
  form.addEventListener("input", update);
  update();
})();
