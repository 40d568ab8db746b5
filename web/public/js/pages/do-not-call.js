// Setup › Do-not-call list: the organisation's opted-out numbers. Operators search and page through it,
// add one number or a CSV of numbers, and take a number off it. Listed numbers are never dialled by any
// campaign.
import { api, request } from '../api.js';
import { h, field, errorBox, showError, clearErrors, toast, fill } from '../dom.js';
import { fmtInt, fmtTime } from '../format.js';

const PER_PAGE = 25;
const SOURCE_LABEL = { bot: 'Bot (opt-out)', api: 'Added', csv: 'CSV upload' };

/** The section element and its disposer (stops a pending search from writing into a page left behind). */
export function doNotCallSection() {
  let alive = true;
  let page = 1;
  let searchTimer = 0;
  const box = errorBox();
  const listEl = h('div', { 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  const search = h('input', {
    type: 'search',
    autocomplete: 'off',
    placeholder: 'Any part of the number',
    oninput: () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => {
        page = 1;
        void load();
      }, 250);
    },
  });

  async function load() {
    try {
      const q = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
      if (search.value.trim() !== '') q.set('search', search.value.trim());
      const answer = await api.get(`/opt-outs?${q}`);
      if (!alive) return;
      render(answer);
    } catch (err) {
      if (alive && err.status !== 401) showError(box, err);
    }
  }

  function render(answer) {
    const items = answer.items ?? [];
    const pages = Math.max(1, Math.ceil((answer.total ?? 0) / PER_PAGE));
    fill(
      listEl,
      items.length === 0
        ? h(
            'p',
            { class: 'muted' },
            search.value.trim() ? 'No listed number matches.' : 'No numbers listed yet.',
          )
        : h(
            'table',
            { class: 'table compact', 'aria-label': 'Do-not-call list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Number', 'Reason', 'Source', 'Listed', ''].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              {},
              items.map((o) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('code', {}, o.phone)),
                  h('td', {}, o.reason ?? '--'),
                  h('td', {}, SOURCE_LABEL[o.source] ?? o.source),
                  h('td', {}, fmtTime(o.created_at)),
                  h(
                    'td',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'btn btn-small',
                        'aria-label': `Remove ${o.phone} from the do-not-call list`,
                        onclick: () => remove(o.phone),
                      },
                      'Remove',
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
    fill(
      pager,
      h('span', { class: 'muted' }, `${fmtInt(answer.total ?? 0)} listed · page ${page} of ${pages}`),
      h(
        'button',
        { type: 'button', class: 'btn btn-small', disabled: page <= 1, onclick: () => turn(-1) },
        'Previous',
      ),
      h(
        'button',
        { type: 'button', class: 'btn btn-small', disabled: page >= pages, onclick: () => turn(1) },
        'Next',
      ),
    );
  }

  function turn(delta) {
    page = Math.max(1, page + delta);
    void load();
  }

  async function remove(phone) {
    if (!window.confirm(`Take ${phone} off the do-not-call list? Campaigns may dial it again.`)) return;
    try {
      await api.del(`/opt-outs/${encodeURIComponent(phone)}`);
      toast(`${phone} removed from the do-not-call list`);
      await load();
    } catch (err) {
      if (err.status !== 401) showError(box, err);
    }
  }

  function addForm() {
    const formBox = errorBox();
    const phone = h('input', {
      type: 'tel',
      required: true,
      autocomplete: 'off',
      placeholder: '+919876543210',
    });
    const reason = h('input', { type: 'text', autocomplete: 'off', placeholder: 'Asked not to be called' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add number');
    const form = h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        'aria-label': 'Add a number to the do-not-call list',
        onsubmit: async (e) => {
          e.preventDefault();
          clearErrors(formBox, form);
          submit.disabled = true;
          try {
            const body = { phone: phone.value.trim() };
            if (reason.value.trim()) body.reason = reason.value.trim();
            const answer = await api.post('/opt-outs', body);
            toast(answer.added ? 'Number added to the do-not-call list' : 'That number is already listed');
            form.reset();
            page = 1;
            await load();
          } catch (err) {
            if (err.status !== 401) showError(formBox, err, form);
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h3', {}, 'Add a number'),
      formBox,
      field('Number', phone, { field: 'phone' }),
      field('Reason', reason, { field: 'reason', hint: 'Optional: why this number must not be called.' }),
      h('div', {}, submit),
    );
    return form;
  }

  function uploadForm() {
    const formBox = errorBox();
    const file = h('input', { type: 'file', accept: '.csv,text/csv', required: true });
    const result = h('p', { class: 'muted', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'btn' }, 'Upload CSV');
    const form = h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        'aria-label': 'Upload numbers to the do-not-call list',
        onsubmit: async (e) => {
          e.preventDefault();
          clearErrors(formBox, form);
          const chosen = file.files?.[0];
          if (!chosen) {
            showError(formBox, { message: 'Choose a CSV file first.' });
            return;
          }
          submit.disabled = true;
          try {
            const answer = await request('POST', '/opt-outs', { body: chosen, type: 'text/csv' });
            fill(
              result,
              `${fmtInt(answer.added)} added, ${fmtInt(answer.skipped)} skipped (already listed or not a valid number).`,
            );
            form.reset();
            page = 1;
            await load();
          } catch (err) {
            if (err.status !== 401) showError(formBox, err, form);
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h3', {}, 'Upload a list'),
      formBox,
      field('CSV file', file, {
        field: 'file',
        hint: 'A "phone" or "phone_number" column; an optional "reason" column.',
      }),
      h('div', {}, submit),
      result,
    );
    return form;
  }

  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'dnc-title' },
    h('h2', { id: 'dnc-title' }, 'Do-not-call list'),
    h(
      'p',
      { class: 'hint' },
      'Numbers here are never dialled by any campaign. A call the bot ends with an opt-out adds its number.',
    ),
    box,
    field('Search', search),
    listEl,
    pager,
    addForm(),
    uploadForm(),
  );
  void load();
  return {
    el,
    dispose: () => {
      alive = false;
      window.clearTimeout(searchTimer);
    },
  };
}
