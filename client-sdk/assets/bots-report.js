// The chart script of `lifemmo-bots --html` (client-sdk/src/bots/html-report.ts inlines it
// after uPlot). Plain browser JavaScript, shipped as is: it reads the result from the page's
// <script type="application/json" id="report-data"> and draws one uPlot chart into each
// [data-chart] element. Text goes into the page through textContent only. It leaves
// window.lifemmoReport = { charts: { id: uPlot }, errors: [message] } for tests and the
// browser console.
(function () {
  'use strict';
  var report = { charts: {}, errors: [] };
  window.lifemmoReport = report;

  var COLOURS = ['#0969da', '#bf8700', '#cf222e', '#8250df', '#1a7f37', '#e16f24', '#57606a', '#bf3989'];
  var HEIGHT = 240;

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var result = data.result;
  var tl = result.timeline;
  var hist = result.connectHistogram;

  /** A number with at most 3 significant digits, as text. */
  function short(v) {
    return v == null ? '–' : String(Number(Number(v).toPrecision(3)));
  }

  function line(label, colour, extra) {
    var s = { label: label, stroke: colour, width: 2, spanGaps: false, points: { show: false } };
    if (extra) for (var k in extra) s[k] = extra[k];
    return s;
  }

  function widthOf(el) {
    return Math.max(300, el.clientWidth);
  }

  /** A chart over the run's seconds: x is `tl.t`, one line per series. */
  function timeChart(el, unit, series, columns, extra) {
    var opts = {
      width: widthOf(el),
      height: HEIGHT,
      scales: { x: { time: false }, y: { range: function (_u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.1 : 1]; } } },
      axes: [
        { label: 's from start', values: function (_u, splits) { return splits.map(short); } },
        { size: 60, values: function (_u, splits) { return splits.map(function (v) { return short(v) + unit; }); } },
      ],
      series: [{ label: 's', value: function (_u, v) { return v == null ? '–' : short(v) + ' s'; } }].concat(series),
    };
    if (extra) extra(opts);
    return new uPlot(opts, [tl.t].concat(columns), el);
  }

  function note(el, text) {
    var p = document.createElement('p');
    p.className = 'note';
    p.textContent = text;
    el.parentNode.appendChild(p);
  }

  var builders = {
    latency: function (el) {
      var lat = tl.tickToClientMs;
      var u = timeChart(el, ' ms', [line('p50', COLOURS[0]), line('p90', COLOURS[1]), line('p99', COLOURS[2])], [lat.p50, lat.p90, lat.p99]);
      if (lat.p50.every(function (v) { return v == null; })) note(el, 'No diffs arrived: no latency to plot.');
      return u;
    },
    frames: function (el) {
      return timeChart(
        el,
        '/s',
        [line('frames/s', COLOURS[0]), line('MB/s', COLOURS[6], { scale: 'mb', width: 1, dash: [4, 4] })],
        [tl.framesPerSecond, tl.mbPerSecond],
        function (opts) {
          opts.scales.mb = { range: function (_u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } };
          opts.axes.push({ scale: 'mb', side: 1, size: 60, label: 'MB/s', grid: { show: false }, values: function (_u, splits) { return splits.map(short); } });
        },
      );
    },
    placements: function (el) {
      return timeChart(el, '/s', [line('accepted', COLOURS[4]), line('refused by the game', COLOURS[1])], [tl.placementsOkPerSecond, tl.placementsRefusedPerSecond]);
    },
    errors: function (el) {
      var codes = Object.keys(tl.errorsPerSecond).sort();
      if (codes.length === 0) {
        note(el, 'No errors.');
        return timeChart(el, '/s', [line('errors', COLOURS[2])], [tl.t.map(function () { return 0; })]);
      }
      return timeChart(
        el,
        '/s',
        codes.map(function (code, i) { return line(code.replace(/^LIFE_ERR_/, ''), COLOURS[(i + 2) % COLOURS.length]); }),
        codes.map(function (code) { return tl.errorsPerSecond[code]; }),
      );
    },
    connected: function (el) {
      var requested = tl.t.map(function () { return result.bots.requested; });
      return timeChart(el, '', [line('connected', COLOURS[0]), line('requested', COLOURS[6], { width: 1, dash: [4, 4] })], [tl.connected, requested]);
    },
    connect: function (el) {
      // One bar per range: x is the range's index, labelled by its lower edge.
      var edges = hist.edgesMs;
      var n = hist.counts.length;
      var index = hist.counts.map(function (_c, i) { return i; });
      var every = Math.max(1, Math.ceil(n / 12));
      if (n === 0) note(el, 'No bot connected: no connect times.');
      return new uPlot(
        {
          width: widthOf(el),
          height: HEIGHT,
          scales: { x: { time: false, range: function () { return [-0.5, Math.max(0.5, n - 0.5)]; } }, y: { range: function (_u, _min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
          axes: [
            {
              label: 'ms (lower edge of each range)',
              splits: function () { return index; },
              values: function (_u, splits) { return splits.map(function (i) { return i % every === 0 && edges[i] != null ? short(edges[i]) : ''; }); },
            },
            { size: 60, values: function (_u, splits) { return splits.map(short); } },
          ],
          series: [
            { label: 'range', value: function (_u, i) { return i == null || edges[i] == null ? '–' : short(edges[i]) + '–' + short(edges[i + 1]) + ' ms'; } },
            { label: 'bots', stroke: COLOURS[0], fill: 'rgba(9, 105, 218, 0.35)', width: 1, paths: uPlot.paths.bars({ size: [0.9, Infinity] }), points: { show: false } },
          ],
        },
        [index, hist.counts],
        el,
      );
    },
  };

  var elements = document.querySelectorAll('[data-chart]');
  for (var i = 0; i < elements.length; i++) {
    var el = elements[i];
    var id = el.getAttribute('data-chart');
    try {
      report.charts[id] = builders[id](el);
    } catch (err) {
      report.errors.push(id + ': ' + String(err && err.stack ? err.stack : err));
      note(el, 'This chart could not be drawn: ' + String(err));
    }
  }

  window.addEventListener('resize', function () {
    for (var id in report.charts) {
      var u = report.charts[id];
      u.setSize({ width: widthOf(u.root.parentNode), height: HEIGHT });
    }
  });
})();
