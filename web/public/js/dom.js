// Tiny DOM helpers. Text always goes in as text nodes, never as HTML.

/**
 * h('button', { class: 'btn', onclick: fn, disabled: true }, 'Save')
 * Attributes: `class`, `text`, `on<event>` handlers, `dataset`, boolean/DOM properties
 * (`disabled`, `checked`, `hidden`, `value`, `selected`), everything else via setAttribute.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (['disabled', 'checked', 'hidden', 'value', 'selected', 'required', 'multiple'].includes(key))
      el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof window.Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Replace el's children (arrays flattened, null/false skipped, like h()). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let seq = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = 'f') {
  seq += 1;
  return `${prefix}-${seq}`;
}

/** A labelled form field. `control` is an input/select/textarea; `hint` an optional description. */
export function field(label, control, { hint, field: apiField } = {}) {
  const id = control.id || uid('in');
  control.id = id;
  if (apiField) control.dataset.field = apiField;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const errEl = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  control.setAttribute('aria-describedby', [hintEl?.id, errEl.id].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field', dataset: { for: apiField ?? '' } },
    h('label', { for: id }, label),
    control,
    hintEl,
    errEl,
  );
}

/** A checkbox with its label on the right. */
export function checkbox(label, attrs = {}) {
  const input = h('input', { type: 'checkbox', ...attrs });
  return { input, el: h('label', { class: 'check' }, input, ' ', label) };
}

export function toast(message, kind = 'ok') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const t = h('div', { class: `toast toast-${kind}` }, message);
  region.append(t);
  setTimeout(() => t.remove(), 6000);
}

/**
 * Show an API error inline: the message in `box` (role=alert) and each `details` entry next to the form
 * control in `scope` whose data-field matches. Details without a matching control are listed in the box;
 * `opts.listAll` lists every detail there (controls on hidden wizard steps), `opts.label(d)` names them.
 */
export function showError(box, err, scope, opts = {}) {
  clearErrors(box, scope);
  const message = err?.message || 'Something went wrong.';
  const label = opts.label ?? ((d) => d.field);
  const listed = [];
  for (const d of err?.details ?? []) {
    const control = d.field ? scope?.querySelector(`[data-field="${cssEscape(d.field)}"]`) : null;
    const errEl = control ? document.getElementById(`${control.id}-error`) : null;
    if (control && errEl) {
      control.setAttribute('aria-invalid', 'true');
      errEl.textContent = d.message;
      errEl.hidden = false;
    }
    if (!errEl || opts.listAll) listed.push(d);
  }
  box.hidden = false;
  box.append(
    h('p', {}, message),
    listed.length
      ? h(
          'ul',
          {},
          listed.map((d) => h('li', {}, d.field ? `${label(d)}: ${d.message}` : d.message)),
        )
      : null,
  );
}

export function clearErrors(box, scope) {
  if (box) {
    clear(box);
    box.hidden = true;
  }
  for (const el of scope?.querySelectorAll('[aria-invalid="true"]') ?? []) el.removeAttribute('aria-invalid');
  for (const el of scope?.querySelectorAll('.field-error') ?? []) {
    el.textContent = '';
    el.hidden = true;
  }
}

export function errorBox() {
  return h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
}

function cssEscape(s) {
  return String(s).replace(/["\\]/g, '\\$&');
}
