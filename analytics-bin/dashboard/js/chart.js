// Line charts with uPlot (vendored under /assets/vendor/uplot/, loaded on first use).

/** Draws a time series chart into `container`: `times` in Unix seconds, one array of values per series. */
export async function lineChart(container, { title, times, series, width = 800, height = 260 }) {
  const { default: uPlot } = await import('../vendor/uplot/uPlot.esm.js');
  const options = {
    title,
    width,
    height,
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color ?? '#2753c9' }))],
  };
  return new uPlot(options, [times, ...series.map((s) => s.values)], container);
}
