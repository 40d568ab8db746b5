// Over the run, at a glance: dials per second and seats in use over time, answer rate by hour of the day,
// and how each pass progressed (GET /campaigns/:id/charts). Times are on the campaign's clock.
import { h, patchInto } from '../../dom.js';
import { barChart, lineChart } from '../../chart.js';
import { fmtInt, fmtNum } from '../../format.js';

export function chartsPart() {
  const el = h('section', { class: 'card', 'aria-labelledby': 'charts-title' });

  function update({ campaign, charts: c }) {
    if (!c) return void patchInto(el);
    const title = h('h2', { id: 'charts-title' }, 'Over the run');
    if (!c.timeline.length)
      return void patchInto(el, title, h('p', { class: 'muted' }, 'The charts start with the first dial.'));
    const tz = c.timezone;
    const label = timeLabel(c.bucket_s, c.timeline, tz);
    const labels = c.timeline.map((b) => label(b.at));
    const bucket = bucketWords(c.bucket_s);
    const total = c.timeline.reduce((n, b) => n + b.dials, 0);
    const peak = (key) => c.timeline.reduce((best, b) => (b[key] > best[key] ? b : best), c.timeline[0]);
    const peakRate = peak('dials_per_sec');
    const peakSeats = peak('seats_in_use');
    const limit = campaign?.config?.concurrency;
    const xLabel = `Time (${tz}), ${bucket} buckets`;

    const answered = c.answer_by_hour.reduce((n, r) => n + r.answered, 0);
    const finished = c.answer_by_hour.reduce((n, r) => n + r.dials, 0);
    const ranked = [...c.answer_by_hour].sort((a, b) => (b.answer_rate ?? 0) - (a.answer_rate ?? 0));
    const hourLabel = (hr) => `${String(hr).padStart(2, '0')}:00`;

    patchInto(
      el,
      title,
      h(
        'div',
        { class: 'charts' },
        lineChart({
          id: 'chart-dial-rate',
          title: 'Dials per second',
          summary:
            `${fmtInt(total)} dials over the run, in ${bucket} buckets. ` +
            `Busiest: ${fmtNum(peakRate.dials_per_sec, 2)} dials per second at ${label(peakRate.at)}.`,
          labels,
          series: [{ name: 'Dials per second', values: c.timeline.map((b) => b.dials_per_sec) }],
          yLabel: 'Dials / s',
          xLabel,
          yFormat: (v) => fmtNum(v, 2),
        }),
        lineChart({
          id: 'chart-seats',
          title: 'Seats in use',
          summary:
            `Calls up at once, averaged over each ${bucket} bucket. ` +
            `Most: ${fmtNum(peakSeats.seats_in_use, 1)} at ${label(peakSeats.at)}` +
            (limit ? ` (the limit is ${fmtInt(limit)}).` : '.'),
          labels,
          series: [{ name: 'Seats in use', values: c.timeline.map((b) => b.seats_in_use) }],
          limit: limit ? { value: limit, label: `Limit ${fmtInt(limit)}` } : null,
          yLabel: 'Seats',
          xLabel,
        }),
        c.answer_by_hour.length
          ? barChart({
              id: 'chart-answer-rate',
              title: 'Answer rate by hour of day',
              summary:
                `${fmtInt(answered)} of ${fmtInt(finished)} finished dials answered. ` +
                (ranked.length === 1
                  ? `All of them in the ${hourLabel(ranked[0].hour)} hour.`
                  : `Best hour ${hourLabel(ranked[0].hour)} (${pct(ranked[0].answer_rate)}), ` +
                    `worst ${hourLabel(ranked.at(-1).hour)} (${pct(ranked.at(-1).answer_rate)}).`),
              bars: c.answer_by_hour.map((r) => ({
                label: hourLabel(r.hour),
                value: Math.round((r.answer_rate ?? 0) * 1000) / 10,
                note: `${fmtInt(r.answered)} of ${fmtInt(r.dials)} answered`,
              })),
              yMax: 100,
              yLabel: 'Answered %',
              xLabel: `Hour of day (${tz})`,
              yFormat: (v) => `${fmtNum(v, 1)}%`,
            })
          : null,
        c.passes.length
          ? lineChart({
              id: 'chart-passes',
              title: 'Pass progression',
              summary: c.passes
                .map((p) => `Pass ${p.pass}: ${fmtInt(p.dialled.at(-1) ?? 0)} contacts dialled`)
                .join('; ')
                .concat('.'),
              labels,
              series: c.passes.map((p) => ({ name: `Pass ${p.pass}`, values: p.dialled })),
              yLabel: 'Contacts dialled',
              xLabel,
              yFormat: (v) => fmtNum(v, 1),
            })
          : null,
      ),
    );
  }

  return { el, update };
}

const pct = (rate) => `${fmtNum((rate ?? 0) * 100, 1)}%`;

function bucketWords(seconds) {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? '1-day' : `${seconds / 86_400}-day`;
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  if (seconds % 60 === 0) return `${seconds / 60}-minute`;
  return `${seconds}-second`;
}

/** Bucket times on the campaign's clock, as precise as the buckets are (a date once the run spans days). */
function timeLabel(bucketS, timeline, timeZone) {
  const first = Date.parse(timeline[0].at);
  const last = Date.parse(timeline.at(-1).at);
  const days = last - first >= 86_400_000;
  const options =
    bucketS >= 86_400
      ? { month: 'short', day: 'numeric' }
      : {
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
          ...(bucketS < 60 ? { second: '2-digit' } : {}),
          ...(days ? { month: 'short', day: 'numeric' } : {}),
        };
  let format;
  try {
    format = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
  } catch {
    format = new Intl.DateTimeFormat('en-US', options);
  }
  return (iso) => format.format(new Date(iso));
}
