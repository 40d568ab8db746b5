// The five-step create/edit wizard (fields: docs/rules.md "Campaign configuration"): Basics, Number Pool,
// Dialler Config, Upload CSV, Review. Each step is a page part in `wizard/` ({ el, valid(), refresh() })
// over one shared state (`wizard/form-state.js`); this module loads what the steps need, moves between
// them (Next stays disabled until the step is valid) and saves: the POST/PATCH body uses the docs/api.md
// field names, then the CSV is uploaded.
import { api, listOf } from '../api.js';
import { h, clear, errorBox, showError, clearErrors, toast } from '../dom.js';
import { fieldLabel } from '../words.js';
import { hasRun, canEdit, statusBadge } from '../format.js';
import { formState, requestBody } from './wizard/form-state.js';
import { basicsStep } from './wizard/basics-step.js';
import { poolStep } from './wizard/pool-step.js';
import { configStep } from './wizard/config-step.js';
import { csvStep } from './wizard/csv-step.js';
import { reviewStep } from './wizard/review-step.js';
import { stepPills } from './wizard/step-pills.js';

const STEPS = ['Basics', 'Number Pool', 'Dialler Config', 'Upload CSV', 'Review'];
const FIELD_STEP = { name: 0, bot_id: 0, number_ids: 1, contacts: 3 };

export function wizardPage(main, { id }, { navigate }) {
  const editing = Boolean(id);
  document.title = `${editing ? 'Edit campaign' : 'New campaign'} · Ori Dialler`;
  main.append(h('p', { class: 'muted' }, 'Loading…'));
  let alive = true;

  Promise.all([
    api.get('/bots'),
    api.get('/numbers'),
    editing ? api.get(`/campaigns/${encodeURIComponent(id)}`) : Promise.resolve(null),
    api.get('/carriers').catch(() => []),
  ])
    .then(([bots, numbers, campaign, carriers]) => {
      if (!alive) return;
      clear(main);
      build(main, {
        bots: listOf(bots, 'bots'),
        numbers: listOf(numbers, 'numbers'),
        carriers: listOf(carriers, 'carriers'),
        campaign,
        navigate,
      });
    })
    .catch((err) => {
      if (!alive || err.status === 401) return;
      clear(main);
      const box = errorBox();
      main.append(h('a', { class: 'back', href: '/dashboard/campaigns' }, '← Campaigns'), box);
      showError(box, err);
    });

  return () => {
    alive = false;
  };
}

function build(main, { bots, numbers, carriers, campaign: initial, navigate }) {
  let campaign = initial;
  const s = formState(campaign);
  let step = 0;
  let busy = false;
  const editable = () => !campaign || canEdit(campaign);
  const locked = () => Boolean(campaign && hasRun(campaign));
  const csvRequired = () => !campaign && !(s.mode === 'multi_day' && s.always_on);

  // ---- header, notices, pills -------------------------------------------------------------------
  const backHref = campaign ? `/dashboard/campaigns/${campaign.id}` : '/dashboard/campaigns';
  const title = h('h1', {}, campaign ? `Edit ${campaign.name}` : 'New Campaign');
  const notices = h('div', {});
  const pills = stepPills({ labels: STEPS, go: (i) => go(i) });
  const box = errorBox();
  const form = h('form', { class: 'card wizard', novalidate: true, onsubmit: (e) => e.preventDefault() });
  const fields = h('fieldset', { class: 'plain' });
  form.append(fields);

  // ---- the steps --------------------------------------------------------------------------------
  const shared = { s, bots, numbers, carriers, refresh: () => refresh(), locked, campaign: () => campaign };
  const config = configStep({ ...shared, cfg: campaign?.config ?? {} });
  const body = () => requestBody(s, { numbers, locked: locked(), callingRules: config.callingRules });
  const steps = [
    basicsStep(shared),
    poolStep(shared),
    config,
    csvStep({ ...shared, csvRequired }),
    reviewStep({ ...shared, body, callingRules: config.callingRules }),
  ];
  fields.append(...steps.map((p) => p.el));

  // ---- navigation -------------------------------------------------------------------------------
  const backBtn = h('button', { type: 'button', class: 'btn', onclick: () => go(step - 1) }, 'Back');
  const nextBtn = h(
    'button',
    { type: 'button', class: 'btn btn-primary', onclick: () => go(step + 1) },
    'Next',
  );
  const submitBtn = h(
    'button',
    { type: 'button', class: 'btn btn-primary', onclick: () => void submit() },
    '',
  );
  form.append(h('div', { class: 'wizard-nav' }, backBtn, h('span', { class: 'spacer' }), nextBtn, submitBtn));

  main.append(
    h('a', { class: 'back', href: backHref }, campaign ? '← Back to campaign' : '← Back to campaigns'),
    h('div', { class: 'page-head' }, title, campaign ? statusBadge(campaign.status) : null),
    notices,
    pills.el,
    box,
    form,
  );

  const stepValid = (i) => steps[i]?.valid() ?? true;
  const reachable = (i) => i <= step || [...Array(i).keys()].every(stepValid);

  function go(i) {
    if (i < 0 || i >= STEPS.length || !reachable(i)) return;
    step = i;
    refresh();
    steps[step].el.querySelector('h2')?.focus?.();
  }

  function refresh() {
    // notices (rebuilt only when they change, so screen readers do not hear them on every keystroke)
    const notice =
      campaign && !editable()
        ? `Only draft and paused campaigns can be edited. Current status: ${campaign.status}.`
        : locked()
          ? 'Campaign name, bot, and contacts are locked after the first run. You can rotate outbound numbers and adjust dialler config before pressing Start.'
          : '';
    if (notices.dataset.text !== notice) {
      notices.dataset.text = notice;
      clear(notices);
      if (notice)
        notices.append(
          h('p', { class: `alert ${editable() ? 'alert-info' : 'alert-warn'}`, role: 'status' }, notice),
        );
    }
    fields.disabled = !editable() || busy;

    for (const part of steps) part.refresh();
    pills.update({ step, valid: stepValid, reachable });
    steps.forEach((p, i) => (p.el.hidden = i !== step));

    // buttons
    backBtn.hidden = step === 0;
    nextBtn.hidden = step === STEPS.length - 1;
    nextBtn.disabled = !stepValid(step);
    submitBtn.hidden = step !== STEPS.length - 1;
    submitBtn.disabled = busy || !editable() || ![0, 1, 2, 3].every(stepValid);
    submitBtn.textContent = busy
      ? campaign
        ? 'Saving…'
        : 'Creating…'
      : campaign
        ? 'Save Campaign'
        : 'Create Campaign';
  }

  async function submit() {
    if (busy) return;
    clearErrors(box, form);
    busy = true;
    refresh();
    const creating = !campaign;
    let saved = null;
    try {
      saved = creating
        ? await api.post('/campaigns', body())
        : await api.patch(`/campaigns/${encodeURIComponent(campaign.id)}`, body());
      let upload = null;
      if (s.file && !locked()) {
        try {
          upload = await api.uploadCsv(saved.id, s.file);
        } catch (err) {
          if (err.status === 401) return;
          // The campaign exists now: keep editing it instead of creating a second one.
          campaign = saved;
          window.history.replaceState({}, '', `/dashboard/campaigns/${saved.id}/edit`);
          title.textContent = `Edit ${saved.name}`;
          busy = false;
          step = 3;
          refresh();
          showError(
            box,
            {
              message: `${creating ? 'The campaign was created as a draft' : 'The settings were saved'}, but the CSV upload failed: ${err.message}`,
              details: err.details,
            },
            form,
          );
          return;
        }
      }
      toast(creating ? 'Campaign created' : 'Campaign updated');
      navigate(`/dashboard/campaigns/${saved.id}`, { flash: { upload, warnings: saved.warnings } });
    } catch (err) {
      if (err.status === 401) return;
      busy = false;
      refresh();
      showError(box, err, form, {
        listAll: true,
        label: (d) => `${STEPS[FIELD_STEP[d.field] ?? 2]} — ${fieldLabel(d.field)}`,
      });
      box.scrollIntoView({ block: 'nearest' });
    }
  }

  refresh();
}
