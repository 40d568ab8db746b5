// The attempt report download: stream attempts.csv, report rows and bytes as they arrive, then save it.
import { request } from '../../api.js';
import { h } from '../../dom.js';
import { fmtInt, fmtBytes, shortId } from '../../format.js';

/** Answers the number of data rows saved; onProgress(text) while streaming. */
export async function downloadAttemptReport(campaign, onProgress) {
  const res = await request('GET', `/campaigns/${encodeURIComponent(campaign.id)}/attempts.csv`, {
    raw: true,
  });
  const reader = res.body.getReader();
  const chunks = [];
  let bytes = 0;
  let newlines = 0;
  let quoted = false;
  let last = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.length;
    for (const b of value) {
      if (b === 34) quoted = !quoted;
      else if (b === 10 && !quoted) newlines += 1;
    }
    last = value[value.length - 1] ?? last;
    onProgress(`Downloading ${fmtInt(Math.max(0, newlines - 1))} rows · ${fmtBytes(bytes)}`);
  }
  const rows = Math.max(0, newlines - 1 + (last !== 10 && bytes > 0 ? 1 : 0));
  const url = URL.createObjectURL(new Blob(chunks, { type: 'text/csv' }));
  const a = h('a', { href: url, download: `campaign-${shortId(campaign)}-attempts.csv`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return rows;
}
