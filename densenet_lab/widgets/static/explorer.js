/* densenet-lab static explorer: redraws a precomputed frame when a control moves.
 *
 * Each explorer's fragment (densenet_lab/widgets/static.py) holds its controls, its grid as
 * JSON (in a script element of class "dlab-data") and this file, inlined. Running it starts
 * every explorer on the page that has not started yet, so several explorers (or this file
 * included several times) work side by side. The grid's format is described in static.py:
 * parts stored once per combination of the controls they depend on, and a pool of values
 * that occur more than once, written {"$": index}. The figures need plotly.js: the book
 * serves it; elsewhere it is fetched once from PLOTLY_CDN (the numbers work without it).
 */
(function () {
  "use strict";
  var PLOTLY_CDN = "https://cdn.plot.ly/plotly-2.35.2.min.js";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // A value of the grid with every {"$": i} replaced by the pool's entry (fresh objects
  // each time: plotly may write into the figure it is given).
  function resolver(pool) {
    return function resolve(v) {
      if (Array.isArray(v)) { return v.map(resolve); }
      if (v === null || typeof v !== "object") { return v; }
      if (Object.prototype.hasOwnProperty.call(v, "$")) { return resolve(pool[v.$]); }
      var out = {};
      Object.keys(v).forEach(function (k) { out[k] = resolve(v[k]); });
      return out;
    };
  }

  // The frame at `pos` (one index per control into its grid values): rows, warning, figures.
  function framer(spec) {
    var resolve = resolver(spec.pool);
    function get(part, pos) {
      var i = 0;
      part.on.forEach(function (c) { i = i * spec.names[c].length + pos[c]; });
      return resolve(part.values[i]);
    }
    return function (pos) {
      return {
        rows: (get(spec.labels, pos) || []).map(function (label) { return [label, get(spec.rows[label], pos)]; }),
        warning: get(spec.warning, pos),
        figures: spec.figures.map(function (part) { return get(part, pos); }).filter(function (f) { return f; })
      };
    };
  }

  function resize(entries) { // the box changed size (not only the window): refit the figure
    entries.forEach(function (e) { if (window.Plotly && e.target.data) { window.Plotly.Plots.resize(e.target); } });
  }

  function start(root) {
    var spec = JSON.parse(root.querySelector("script.dlab-data").textContent);
    var frame = framer(spec);
    var inputs = root.querySelectorAll("[data-control]");
    var plots = root.querySelector(".dlab-plots");

    function positions() {
      var pos = spec.controls.map(function () { return 0; });
      each(inputs, function (el) {
        pos[spec.controls.indexOf(el.dataset.control)] = el.type === "checkbox" ? (el.checked ? 1 : 0) : +el.value;
      });
      return pos;
    }

    function drawFigures(figures) {
      while (plots.children.length < figures.length) {
        var div = document.createElement("div");
        div.className = "dlab-plot";
        plots.appendChild(div);
        if (window.ResizeObserver) { new window.ResizeObserver(resize).observe(div); }
      }
      each(plots.children, function (div, i) {
        div.style.display = i < figures.length ? "" : "none";
        if (i < figures.length && window.Plotly) {
          window.Plotly.react(div, figures[i].data, figures[i].layout, {displayModeBar: false, responsive: true});
        }
      });
    }

    function draw() {
      var pos = positions();
      var f = frame(pos);
      each(root.querySelectorAll("output[data-for]"), function (out) {
        var c = spec.controls.indexOf(out.dataset.for);
        out.textContent = spec.names[c][pos[c]];
      });
      root.querySelector(".dlab-numbers").innerHTML = f.rows.map(function (r) {
        return "<tr><td>" + escape(r[0]) + "</td><td><b>" + escape(r[1]) + "</b></td></tr>";
      }).join("");
      root.querySelector(".dlab-warning").innerHTML = f.warning ? "&#9888; " + escape(f.warning) : "";
      drawFigures(f.figures);
    }

    each(inputs, function (el) { el.addEventListener("input", draw); el.addEventListener("change", draw); });
    root.dlabFrame = frame; // the frame at given positions (for tests and links to settings)
    root.dlabDraw = draw;
    root.setAttribute("data-dlab-started", "");
    draw();
  }

  function redrawAll() {
    each(document.querySelectorAll(".dlab-explorer[data-dlab-started]"), function (root) { root.dlabDraw(); });
  }

  each(document.querySelectorAll(".dlab-explorer:not([data-dlab-started])"), start);
  if (!window.Plotly && !window.dlabPlotlyRequested) { // outside the book, which serves plotly.js itself
    window.dlabPlotlyRequested = true;
    var script = document.createElement("script");
    script.src = PLOTLY_CDN;
    script.onload = redrawAll;
    document.head.appendChild(script);
  }
})();
