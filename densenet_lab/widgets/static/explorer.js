/* densenet-lab static explorer: redraws a precomputed frame when a control moves.
 *
 * Each explorer's fragment (densenet_lab/widgets/static.py) holds its controls, its grid as
 * JSON (in a script element of class "dlab-data") and this file, inlined. Running it starts
 * every explorer on the page that has not started yet, so several explorers (or this file
 * included several times) work side by side. The grid's format is described in static.py:
 * parts stored once per combination of the controls they depend on, and a pool of values
 * that occur more than once, written {"$": index}. The figures need plotly.js: the book
 * serves it; elsewhere it is fetched once from PLOTLY_CDN (the numbers work without it).
 *
 * Settings in the page's link: the hash holds one segment per explorer, separated by "&"
 * (";" is read too), e.g.  chapter.html#arch:k=24,b=1,theta=1&block:L=8
 * A segment is the explorer's key (the second explorer of the same key on a page is key2,
 * the third key3, ...), ":", then key=value pairs separated by ",", with the controls' keys
 * and the values a reader knows (numbers, 1 or 0 for a toggle, a menu's value: cifar100).
 * On start, and when the hash changes, an explorer named there takes those settings; a value
 * not precomputed shows the nearest one, and the explorer's warning area says so. When the
 * reader moves a control, the explorer writes its segment back (history.replaceState: no new
 * history entry, no scroll), keeping the other explorers' segments.
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

  // ----- settings in the page's link ---------------------------------------------------
  var TOGGLE = {"1": "1", "true": "1", "yes": "1", "on": "1", "0": "0", "false": "0", "no": "0", "off": "0"};

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; } // a stray "%" stays as it is
  }

  // The hash's segments, e.g. ["arch:k=24,b=1", "block:L=8"].
  function hashSegments() {
    var hash = window.location.hash.replace(/^#/, "");
    return hash ? hash.split(/[&;]/) : [];
  }

  // The explorer key a segment names ("arch" for "arch:k=24"), or null for a plain anchor.
  function segmentKey(segment) {
    var colon = segment.indexOf(":");
    return colon > 0 ? decode(segment.slice(0, colon)) : null;
  }

  // The settings the link gives explorer `key`, [[control key, value], ...], or null if it names none.
  function linkSettings(key) {
    var segment = hashSegments().filter(function (s) { return segmentKey(s) === key; })[0];
    if (segment === undefined) { return null; }
    return segment.slice(segment.indexOf(":") + 1).split(",").filter(function (pair) { return pair; })
      .map(function (pair) {
        var eq = pair.indexOf("=");
        return eq < 0 ? [decode(pair), ""] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
      });
  }

  // Put `segment` in the hash in place of explorer `key`'s (or after the others), without a
  // new history entry or a scroll. Plain anchors (#a-section) are dropped: they have scrolled.
  function writeLink(key, segment) {
    var segments = [], written = false;
    hashSegments().forEach(function (s) {
      var k = segmentKey(s);
      if (k === key && !written) { segments.push(segment); written = true; } // in place of its old one
      if (k !== null && k !== key) { segments.push(s); } // another explorer's, as it was
    });
    if (!written) { segments.push(segment); }
    try {
      window.history.replaceState(window.history.state, "", "#" + segments.join("&"));
    } catch (e) { /* a sandboxed frame may refuse: the explorer works on without its link */ }
  }

  // Where value `text` lies in control c's grid: {pos, exact}. A slider's value not in the
  // grid gives the nearest; a toggle's or menu's value not in it gives pos -1.
  function locate(url, c, text) {
    var values = url.values[c];
    if (url.kinds[c] === "toggle" && TOGGLE[text.toLowerCase()]) { text = TOGGLE[text.toLowerCase()]; }
    var pos = values.indexOf(text);
    if (pos >= 0 || url.kinds[c] !== "slider") { return {pos: pos, exact: pos >= 0}; }
    var x = text.trim() === "" ? NaN : Number(text);
    if (!isFinite(x)) { return {pos: -1, exact: false}; }
    var best = 0;
    values.forEach(function (v, i) { if (Math.abs(Number(v) - x) < Math.abs(Number(values[best]) - x)) { best = i; } });
    return {pos: best, exact: Number(values[best]) === x};
  }

  // This explorer's key in links: its class's, then key2, key3, ... for later ones of that key.
  function linkKey(root, key) {
    var same = Array.prototype.filter.call(document.querySelectorAll(".dlab-explorer"), function (r) {
      return r.getAttribute("data-dlab-key") === key;
    });
    var n = same.indexOf(root);
    return n > 0 ? key + (n + 1) : key;
  }

  function whenLoaded(f) {
    if (document.readyState === "complete") { f(); } else { window.addEventListener("load", f); }
  }

  function resize(entries) { // the box changed size (not only the window): refit the figure
    entries.forEach(function (e) { if (window.Plotly && e.target.data) { window.Plotly.Plots.resize(e.target); } });
  }

  function start(root) {
    var spec = JSON.parse(root.querySelector("script.dlab-data").textContent);
    var frame = framer(spec);
    var inputs = root.querySelectorAll("[data-control]");
    var plots = root.querySelector(".dlab-plots");
    var url = spec.url, key = linkKey(root, url.key);
    var inputFor = []; // control position -> its input (none for a control the page hides)
    var linkNotes = []; // what the link asked for and this page could not show, until the reader moves a control
    each(inputs, function (el) { inputFor[spec.controls.indexOf(el.dataset.control)] = el; });

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
      root.querySelector(".dlab-warning").innerHTML = (f.warning ? "&#9888; " + escape(f.warning) : "") +
        linkNotes.map(function (n) { return '<div class="dlab-link-note">&#9888; ' + escape(n) + "</div>"; }).join("");
      drawFigures(f.figures);
    }

    // Set the controls the link names; return notes on what it asked for and could not get.
    function applyLink(settings) {
      var notes = [];
      settings.forEach(function (pair) {
        var c = url.keys.indexOf(pair[0]), asked = pair[0] + "=" + pair[1];
        if (c < 0) {
          var offered = url.keys.filter(function (k, i) { return inputFor[i]; });
          notes.push("The link names " + pair[0] + ", which this explorer does not have" +
                     (offered.length ? " (it has " + offered.join(", ") + ")." : "."));
          return;
        }
        var found = locate(url, c, pair[1]), input = inputFor[c];
        var shown = url.keys[c] + "=" + url.values[c][positions()[c]];
        if (!input || found.pos < 0) {
          if (!found.exact) {
            notes.push("The link asks for " + asked + ", which this page does not offer" +
                       (input ? " (it has " + url.values[c].join(", ") + ")" : "") + ": showing " + shown + ".");
          }
          return;
        }
        if (input.type === "checkbox") { input.checked = url.values[c][found.pos] === "1"; } else { input.value = String(found.pos); }
        if (!found.exact) {
          var range = url.ranges[c];
          notes.push("The link asks for " + asked + ", which this page has not precomputed: showing the nearest, " +
                     url.keys[c] + "=" + url.values[c][found.pos] + ". The live explorer has every value" +
                     (range ? " from " + range[0] + " to " + range[1] : "") + ".");
        }
      });
      return notes;
    }

    // This explorer's segment of the link: the key, then every control shown at its value.
    function linkSegment() {
      var pos = positions();
      return key + ":" + url.keys.map(function (k, c) {
        return inputFor[c] ? k + "=" + encodeURIComponent(url.values[c][pos[c]]) : "";
      }).filter(function (pair) { return pair; }).join(",");
    }

    function readLink() { // the link's settings for this explorer, if it names it
      var settings = linkSettings(key);
      if (settings) { linkNotes = applyLink(settings); draw(); }
      return settings !== null;
    }

    function moved() { linkNotes = []; draw(); }
    each(inputs, function (el) {
      el.addEventListener("input", moved);
      el.addEventListener("change", function () { moved(); writeLink(key, linkSegment()); }); // a slider: when let go
    });
    window.addEventListener("hashchange", readLink);
    root.dlabFrame = frame; // the frame at given positions (for tests and links to settings)
    root.dlabDraw = draw;
    root.dlabLinkKey = key;
    root.setAttribute("data-dlab-started", "");
    if (readLink() && hashSegments().map(segmentKey).filter(function (k) { return k; })[0] === key) {
      whenLoaded(function () { root.scrollIntoView(); }); // the first explorer the link names: bring it into view
    } else {
      draw();
    }
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
