// Small charts drawn as inline SVG, no library: a line chart (one or more series over the same x labels)
// and a bar chart. Each is a <figure>: a title, a summary in words that also describes the drawing, the
// SVG (role="img"), a legend, and the figures as a table for anyone who cannot see the drawing. Every mark carries its value (`data-value`), so what is
// drawn can be checked against the data it was drawn from. Built fresh on each refresh and patched in.
import { h, table } from './dom.js';
import { fmtNum } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 560;
const H = 200;
const PAD = { top: 12, right: 12, bottom: 40, left: 52 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** An SVG element: like h(), for the SVG namespace (attributes only, children as nodes or text). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof window.Node ? child : String(child));
  }
  return el;
}

/** The axis top: the smallest 1, 2, 2.5 or 5 × 10^k at or above `max` (at least `floor`). */
export function niceMax(max, floor = 1) {
  const v = Math.max(Number(max) || 0, floor);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-9) return m * p;
  return 10 * p;
}

const xAt = (i, n) => PAD.left + (n <= 1 ? PLOT_W / 2 : (i / (n - 1)) * PLOT_W);
const yAt = (v, top) => PAD.top + PLOT_H - (Math.max(0, v) / top) * PLOT_H;

/** At most `count` evenly spread indexes of n labels, first and last included. */
function tickIndexes(n, count = 5) {
  if (n <= count) return [...Array(n).keys()];
  const step = (n - 1) / (count - 1);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(i * step)))];
}

function frame({ id, title, top, yLabel, xLabel, yFormat }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  return [
    s('title', { id: `${id}-title` }, title),
    s(
      'g',
      { class: 'chart-grid', 'aria-hidden': 'true' },
      ticks.map((t) => [
        s('line', { x1: PAD.left, x2: W - PAD.right, y1: yAt(t, top), y2: yAt(t, top) }),
        s('text', { x: PAD.left - 6, y: yAt(t, top) + 4, 'text-anchor': 'end', class: 'tick' }, yFormat(t)),
      ]),
    ),
    s(
      'text',
      {
        class: 'axis-label',
        'aria-hidden': 'true',
        transform: `translate(12 ${PAD.top + PLOT_H / 2}) rotate(-90)`,
        'text-anchor': 'middle',
      },
      yLabel,
    ),
    s(
      'text',
      {
        class: 'axis-label',
        'aria-hidden': 'true',
        x: PAD.left + PLOT_W / 2,
        y: H - 4,
        'text-anchor': 'middle',
      },
      xLabel,
    ),
  ];
}

function xTicks(labels, xOf) {
  return s(
    'g',
    { class: 'chart-x', 'aria-hidden': 'true' },
    tickIndexes(labels.length).map((i) =>
      s('text', { x: xOf(i), y: PAD.top + PLOT_H + 16, 'text-anchor': 'middle', class: 'tick' }, labels[i]),
    ),
  );
}

// The summary is visible text (what the chart shows, in words) and the drawing's description.
function figure({ id, title, summary, svg, legend, table }) {
  return h(
    'figure',
    { class: 'chart', dataset: { key: id, chart: id } },
    h('figcaption', { class: 'chart-title' }, title),
    h('p', { class: 'chart-summary hint', id: `${id}-desc` }, summary),
    svg,
    legend,
    h(
      'details',
      { class: 'chart-data' },
      h('summary', {}, 'Show the figures'),
      h('div', { class: 'table-wrap' }, table),
    ),
  );
}

/** A chart's drawing: an image named by its title and described by its summary, its scale's top on it. */
function chartSvg({ id, top }, ...children) {
  return s(
    'svg',
    {
      class: 'chart-svg',
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': `${id}-title`,
      'aria-describedby': `${id}-desc`,
      dataset: { top: String(top) },
    },
    ...children,
  );
}

function dataTable(caption, head, rows) {
  // The first column names the row (a time, an hour, a pass).
  const cell = (c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c));
  return table({ caption, head, rows, cell });
}

/**
 * Lines over shared x labels. `series`: [{ name, values, format? }]; `limit`: an optional dashed reference
 * line { value, label } (a seat limit). `yFormat` formats axis ticks and values.
 */
export function lineChart({ id, title, summary, labels, series, yLabel, xLabel, limit, yFormat = fmtNum }) {
  const n = labels.length;
  const top = niceMax(Math.max(0, ...series.flatMap((x) => x.values), limit?.value ?? 0));
  const svg = chartSvg(
    { id, top },
    frame({ id, title, top, yLabel, xLabel, yFormat }),
    xTicks(labels, (i) => xAt(i, n)),
    limit
      ? s(
          'g',
          { class: 'chart-limit', dataset: { value: String(limit.value) } },
          s('line', {
            x1: PAD.left,
            x2: W - PAD.right,
            y1: yAt(limit.value, top),
            y2: yAt(limit.value, top),
          }),
          s(
            'text',
            { x: W - PAD.right, y: yAt(limit.value, top) - 4, 'text-anchor': 'end', class: 'tick' },
            limit.label,
          ),
        )
      : null,
    series.map((line, k) =>
      s(
        'g',
        { class: `chart-series series-${k}`, dataset: { key: line.name, series: line.name } },
        s('polyline', {
          fill: 'none',
          points: line.values.map((v, i) => `${round(xAt(i, n))},${round(yAt(v, top))}`).join(' '),
        }),
        line.values.map((v, i) =>
          s(
            'circle',
            {
              cx: round(xAt(i, n)),
              cy: round(yAt(v, top)),
              r: n > 30 ? 2 : 3,
              dataset: { value: String(v) },
            },
            s('title', {}, `${labels[i]}: ${line.name} ${yFormat(v)}`),
          ),
        ),
      ),
    ),
  );
  const legend =
    series.length > 1 || limit
      ? h(
          'ul',
          { class: 'chart-legend' },
          series.map((line, k) =>
            h('li', { dataset: { key: line.name } }, h('span', { class: `swatch series-${k}` }), line.name),
          ),
          limit ? h('li', {}, h('span', { class: 'swatch swatch-limit' }), limit.label) : null,
        )
      : null;
  const table = dataTable(
    title,
    [xLabel, ...series.map((x) => x.name)],
    labels.map((label, i) => [label, ...series.map((x) => yFormat(x.values[i] ?? 0))]),
  );
  return figure({ id, title, summary, svg, legend, table });
}

/** Bars over labels: `bars` [{ label, value, note? }] (value on the y axis; note added to its tooltip). */
export function barChart({ id, title, summary, bars, yLabel, xLabel, yMax, yFormat = fmtNum }) {
  const n = bars.length;
  const top = yMax ?? niceMax(Math.max(0, ...bars.map((b) => b.value ?? 0)));
  const slot = PLOT_W / Math.max(1, n);
  const barW = Math.max(2, Math.min(48, slot * 0.7));
  const xOf = (i) => PAD.left + slot * i + slot / 2;
  const svg = chartSvg(
    { id, top },
    frame({ id, title, top, yLabel, xLabel, yFormat }),
    xTicks(
      bars.map((b) => b.label),
      xOf,
    ),
    s(
      'g',
      { class: 'chart-bars' },
      bars.map((b, i) => {
        const v = b.value ?? 0;
        const y = yAt(v, top);
        return s(
          'rect',
          {
            x: round(xOf(i) - barW / 2),
            y: round(y),
            width: round(barW),
            height: round(PAD.top + PLOT_H - y),
            dataset: { key: b.label, value: String(v) },
          },
          s('title', {}, `${b.label}: ${yFormat(v)}${b.note ? ` (${b.note})` : ''}`),
        );
      }),
    ),
  );
  const table = dataTable(
    title,
    [xLabel, yLabel],
    bars.map((b) => [b.label, `${yFormat(b.value ?? 0)}${b.note ? ` (${b.note})` : ''}`]),
  );
  return figure({ id, title, summary, svg, legend: null, table });
}

const round = (v) => Math.round(v * 10) / 10;
