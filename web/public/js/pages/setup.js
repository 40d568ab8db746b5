// Setup: bots, carriers and outbound numbers, so a newcomer can build a first campaign from the UI alone.
import { api, listOf } from '../api.js';
import { h, field, checkbox, errorBox, showError, clearErrors, toast, fill, table } from '../dom.js';
import { doNotCallSection } from './do-not-call.js';
import { frequencyCapSection } from './frequency-cap.js';

export function setupPage(main) {
  document.title = 'Setup · Ori Dialler';
  let alive = true;
  const data = { bots: [], carriers: [], numbers: [] };
  const box = errorBox();
  const guide = h('ol', { class: 'guide' });
  const botsList = h('div', {});
  const carriersList = h('div', {});
  const numbersList = h('div', {});
  const carrierSelect = h('select', { name: 'carrier_id' });
  const doNotCall = doNotCallSection();
  const frequencyCap = frequencyCapSection();

  main.append(
    h('h1', {}, 'Setup'),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'guide-title' },
      h('h2', { id: 'guide-title' }, 'Getting started'),
      guide,
    ),
    box,
    section('Bots', 'bots-title', botsList, botForm()),
    section('Carriers', 'carriers-title', carriersList, carrierForm()),
    section('Outbound numbers', 'numbers-title', numbersList, numberForm()),
    frequencyCap.el,
    doNotCall.el,
  );

  async function load() {
    try {
      const [bots, carriers, numbers] = await Promise.all([
        api.get('/bots'),
        api.get('/carriers'),
        api.get('/numbers'),
      ]);
      if (!alive) return;
      data.bots = listOf(bots, 'bots');
      data.carriers = listOf(carriers, 'carriers');
      data.numbers = listOf(numbers, 'numbers');
      render();
    } catch (err) {
      if (alive && err.status !== 401) showError(box, err);
    }
  }

  function render() {
    const step = (done, text) => h('li', { class: done ? 'done' : '' }, done ? '✓ ' : '', text);
    fill(
      guide,
      step(data.bots.length > 0, `Create a bot (${data.bots.length} so far).`),
      step(
        data.carriers.length > 0,
        `Create a carrier: the FreeSWITCH gateway calls leave through (${data.carriers.length} so far).`,
      ),
      step(
        data.numbers.length > 0,
        `Add an outbound number on that carrier (${data.numbers.length} so far).`,
      ),
      h(
        'li',
        {},
        h('a', { href: '/dashboard/campaigns/new' }, 'Create a campaign'),
        ' with the wizard, upload contacts, then press Start.',
      ),
    );
    fill(
      botsList,
      listTable('Bots', ['Name', 'Endpoint', 'Callbacks', 'ID'], data.bots, (b) => [
        b.name,
        b.endpoint ?? '--',
        b.callback_enabled ? 'On' : 'Off',
        h('code', {}, String(b.id).slice(0, 8)),
      ]),
    );
    fill(
      carriersList,
      listTable('Carriers', ['Name', 'Gateway', 'CPS limit', 'Rate per minute', 'ID'], data.carriers, (c) => [
        c.name,
        c.gateway,
        c.cps_limit ?? '--',
        rateForm(c),
        h('code', {}, String(c.id).slice(0, 8)),
      ]),
    );
    const carrierName = (id) => data.carriers.find((c) => c.id === id)?.name ?? String(id).slice(0, 8);
    fill(
      numbersList,
      listTable('Outbound numbers', ['Number', 'Label', 'Carrier', 'Inbound only'], data.numbers, (n) => [
        n.e164,
        n.label ?? '--',
        carrierName(n.carrier_id),
        n.inbound_only ? 'Yes' : 'No',
      ]),
    );
    const chosen = carrierSelect.value;
    fill(
      carrierSelect,
      h('option', { value: '' }, data.carriers.length ? 'Choose a carrier…' : 'Create a carrier first'),
      data.carriers.map((c) =>
        h('option', { value: c.id, selected: c.id === chosen }, `${c.name} (${c.gateway})`),
      ),
    );
  }

  /** A form that POSTs its body builder's answer and shows the API's errors next to the fields. */
  function apiForm(title, path, controls, toBody, submitLabel, doneText) {
    const formBox = errorBox();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel);
    const form = h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        'aria-label': title,
        onsubmit: async (e) => {
          e.preventDefault();
          clearErrors(formBox, form);
          submit.disabled = true;
          try {
            await api.post(path, toBody());
            toast(doneText);
            form.reset();
            await load();
          } catch (err) {
            if (err.status !== 401) showError(formBox, err, form);
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('h3', {}, title),
      formBox,
      controls,
      h('div', {}, submit),
    );
    return form;
  }

  function botForm() {
    const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
    const greeting = h('input', { type: 'text', autocomplete: 'off' });
    const prompt = h('textarea', { rows: '3' });
    const endpoint = h('input', {
      type: 'text',
      autocomplete: 'off',
      placeholder: 'sip:bot@pipeline.example.com',
    });
    const cb = checkbox('Callbacks enabled (the bot may schedule callbacks)');
    cb.input.dataset.field = 'callback_enabled';
    return apiForm(
      'New bot',
      '/bots',
      [
        field('Bot name', name, { field: 'name' }),
        field('Greeting', greeting, { field: 'greeting' }),
        field('System prompt', prompt, { field: 'system_prompt' }),
        field('Endpoint (SIP URI)', endpoint, {
          field: 'endpoint',
          hint: 'Where an answered call is handed to the conversation pipeline.',
        }),
        h('div', { class: 'field' }, cb.el),
      ],
      () =>
        compact({
          name: name.value.trim(),
          greeting: greeting.value.trim(),
          system_prompt: prompt.value.trim(),
          endpoint: endpoint.value.trim(),
          callback_enabled: cb.input.checked,
        }),
      'Create bot',
      'Bot created',
    );
  }

  function carrierForm() {
    const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
    const gateway = h('input', { type: 'text', required: true, autocomplete: 'off' });
    const cps = h('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric' });
    const rate = h('input', { type: 'number', min: '0', step: 'any', inputmode: 'decimal' });
    return apiForm(
      'New carrier',
      '/carriers',
      [
        field('Carrier name', name, { field: 'name' }),
        field('Gateway', gateway, { field: 'gateway', hint: 'The FreeSWITCH gateway name.' }),
        field('CPS limit', cps, {
          field: 'cps_limit',
          hint: 'The carrier’s dial-rate cap in calls per second. Optional.',
        }),
        field('Rate per minute', rate, {
          field: 'cost_per_minute',
          hint: 'What a minute of talk costs on this carrier. Optional: campaign results price talk minutes with it.',
        }),
      ],
      () =>
        compact({
          name: name.value.trim(),
          gateway: gateway.value.trim(),
          cps_limit: cps.value === '' ? undefined : Number(cps.value),
          cost_per_minute: rate.value === '' ? undefined : Number(rate.value),
        }),
      'Create carrier',
      'Carrier created',
    );
  }

  /** A carrier's per-minute rate, changed in place (an empty field clears it). */
  function rateForm(carrier) {
    const rateBox = errorBox();
    const input = h('input', {
      type: 'number',
      min: '0',
      step: 'any',
      inputmode: 'decimal',
      class: 'rate-input',
      value: carrier.cost_per_minute === null ? '' : String(carrier.cost_per_minute),
      'aria-label': `Rate per minute for ${carrier.name}`,
      placeholder: 'none',
    });
    input.dataset.field = 'cost_per_minute';
    const form = h(
      'form',
      {
        class: 'inline-form',
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          clearErrors(rateBox, form);
          try {
            await api.patch(`/carriers/${encodeURIComponent(carrier.id)}`, {
              cost_per_minute: input.value === '' ? null : Number(input.value),
            });
            toast(`Rate saved for ${carrier.name}`);
            await load();
          } catch (err) {
            if (err.status !== 401) showError(rateBox, err, form);
          }
        },
      },
      input,
      h(
        'button',
        { type: 'submit', class: 'btn btn-small', 'aria-label': `Save the rate of ${carrier.name}` },
        'Save',
      ),
      rateBox,
    );
    return form;
  }

  function numberForm() {
    const e164 = h('input', {
      type: 'tel',
      required: true,
      autocomplete: 'off',
      placeholder: '+914440000001',
    });
    const label = h('input', { type: 'text', autocomplete: 'off', placeholder: 'Support team' });
    carrierSelect.required = true;
    const inbound = checkbox('Inbound only (never used to dial out)');
    inbound.input.dataset.field = 'inbound_only';
    return apiForm(
      'New outbound number',
      '/numbers',
      [
        field('Number (E.164)', e164, { field: 'e164' }),
        field('Label', label, { field: 'label' }),
        field('Carrier', carrierSelect, { field: 'carrier_id' }),
        h('div', { class: 'field' }, inbound.el),
      ],
      () =>
        compact({
          e164: e164.value.trim(),
          label: label.value.trim(),
          carrier_id: carrierSelect.value,
          inbound_only: inbound.input.checked,
        }),
      'Add number',
      'Number added',
    );
  }

  void load();
  return () => {
    alive = false;
    doNotCall.dispose();
    frequencyCap.dispose();
  };
}

/** Drop empty optional strings and undefined so the API applies its own defaults. */
function compact(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== ''));
}

function section(title, id, list, form) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), list, form);
}

function listTable(caption, head, rows, cells) {
  if (!rows.length) return h('p', { class: 'muted' }, `No ${caption.toLowerCase()} yet.`);
  return table({ caption, head, rows: rows.map(cells) });
}
