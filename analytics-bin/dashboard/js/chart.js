// Line charts with uPlot (vendored under /assets/vendor/uplot/, loaded on first use). The
// charts drawn are kept in a list so that a view can destroy its own when it is left, and
// so that a test can read what a chart holds (`chartsIn`).

const live = new Set();

const PALETTE = ['#2753c9', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#0b7285'];

/**
 * Draws a time series chart into `container`: `times` in Unix seconds, one array of values
 * per series (`null` for a gap; `dash`, uPlot's dash pattern, to tell a series apart);
 * `format(value)` labels the y axis and the legend.
 */
export async function lineChart(container, { title, times, series, width, height = 220, format }) {
  const { default: uPlot } = await import('../vendor/uplot/uPlot.esm.js');
  const shown = (value) => (value === null || value === undefined ? '—' : format ? format(value) : String(value));
  const options = {
    title,
    width: width ?? Math.max(240, (container.clientWidth || 800) - 8),
    height,
    series: [{}, ...series.map((s, index) => ({
      label: s.label,
      stroke: s.color ?? PALETTE[index % PALETTE.length],
      width: 1.5,
      dash: s.dash,
      spanGaps: false,
      points: { show: times.length < 60 },
      value: (_, value) => shown(value),
    }))],
    axes: [{}, { size: 84, values: (_, splits) => splits.map((v) => (format ? format(v) : v)) }],
    hooks: { destroy: [(chart) => live.delete(chart)] },
  };
  const chart = new uPlot(options, [times, ...series.map((s) => s.values)], container);
  chart.root.dataset.chartTitle = title ?? '';
  live.add(chart);
  return chart;
}

/** The charts drawn inside `node` (each a uPlot: `.data`, `.root`). */
export function chartsIn(node) {
  return [...live].filter((chart) => node.contains(chart.root));
}

/** Destroys the charts inside `node` (or that are no longer in the page). */
export function destroyChartsIn(node) {
  for (const chart of live) {
    if (node.contains(chart.root) || !chart.root.isConnected) {
      live.delete(chart);
      try {
        chart.destroy();
      } catch (failure) {
        console.error(failure);
      }
    }
  }
}
