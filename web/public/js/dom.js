// Tiny DOM helpers. Text always goes in as text nodes, never as HTML.
import { fieldLabel, humanize } from './words.js';

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
    else if (key.startsWith('on') && typeof value === 'function') listen(el, key.slice(2), value);
    else if (['disabled', 'checked', 'hidden', 'value', 'selected', 'required', 'multiple'].includes(key))
      el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// Handlers go through one dispatcher per event type, so `patch` can hand a kept node the handlers of the
// node it was patched from (they close over the fresh data) without stacking listeners.
const HANDLERS = Symbol('handlers');
function dispatch(event) {
  return this[HANDLERS]?.[event.type]?.call(this, event);
}
function listen(el, type, fn) {
  el[HANDLERS] ??= {};
  if (!(type in el[HANDLERS])) el.addEventListener(type, dispatch);
  el[HANDLERS][type] = fn;
}

// Properties a browser keeps apart from their attributes; `open` (a <details>) and a focused field's value
// are the operator's, so a refresh leaves them alone.
const PROPS = ['checked', 'disabled', 'hidden', 'selected', 'required', 'multiple'];

/**
 * Bring `target` to look like `source` (a freshly built tree) while keeping every node that is still the
 * same thing: text nodes change their text in place, elements their attributes, and children are matched
 * by `data-key` (rows, list items) or else by position and tag. So a text selection, the element under the
 * pointer (and its tooltip) and focus survive a refresh. Answers the node that is now in the document.
 */
export function patch(target, source) {
  if (
    target.nodeType !== source.nodeType ||
    target.nodeName !== source.nodeName ||
    keyOf(target) !== keyOf(source)
  ) {
    target.replaceWith(source);
    return source;
  }
  if (target.nodeType !== 1) {
    if (target.nodeValue !== source.nodeValue) target.nodeValue = source.nodeValue;
    return target;
  }
  for (const { name } of [...target.attributes])
    if (!source.hasAttribute(name) && name !== 'open') target.removeAttribute(name);
  for (const { name, value } of [...source.attributes])
    if (target.getAttribute(name) !== value) target.setAttribute(name, value);
  for (const prop of PROPS) if (prop in source && target[prop] !== source[prop]) target[prop] = source[prop];
  if ('value' in source && target !== document.activeElement && target.value !== source.value)
    target.value = source.value;
  const handlers = source[HANDLERS] ?? {};
  for (const type of Object.keys(target[HANDLERS] ?? {}))
    if (!(type in handlers)) delete target[HANDLERS][type];
  for (const [type, fn] of Object.entries(handlers)) listen(target, type, fn);
  patchChildren(target, [...source.childNodes]);
  return target;
}

/** Patch `el`'s children to `children` (arrays flattened, null/false skipped, strings as text, like h()). */
export function patchInto(el, ...children) {
  const nodes = [];
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    nodes.push(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
  patchChildren(el, nodes);
  return el;
}

function keyOf(node) {
  return node.nodeType === 1 ? (node.dataset.key ?? null) : null;
}

function patchChildren(parent, wanted) {
  const old = [...parent.childNodes];
  const keyed = new Map();
  const unkeyed = [];
  for (const node of old) {
    const key = keyOf(node);
    if (key !== null) keyed.set(key, node);
    else unkeyed.push(node);
  }
  let nextUnkeyed = 0;
  const kept = new Set();
  wanted.forEach((next, i) => {
    const key = keyOf(next);
    let match = null;
    if (key !== null) match = keyed.get(key) ?? null;
    else if (nextUnkeyed < unkeyed.length && unkeyed[nextUnkeyed].nodeName === next.nodeName)
      match = unkeyed[nextUnkeyed++];
    if (match && match.nodeName !== next.nodeName) match = null;
    const node = match ? patch(match, next) : next;
    kept.add(node);
    const at = parent.childNodes[i] ?? null;
    if (at !== node) parent.insertBefore(node, at);
  });
  for (const node of old) if (!kept.has(node) && node.parentNode === parent) node.remove();
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

/**
 * A table of `rows` (arrays of cell values) under `head`. The caption is for screen readers only unless
 * `showCaption`; `cell(value, column)` draws a cell (a plain `td` by default).
 */
export function table({ caption, showCaption = false, className = 'table compact', head, rows, cell }) {
  const draw = cell ?? ((value) => h('td', {}, value));
  return h(
    'table',
    { class: className },
    h('caption', showCaption ? {} : { class: 'sr-only' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c, i) => draw(c, i)),
        ),
      ),
    ),
  );
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
  const message = humanize(err?.message || 'Something went wrong.');
  const label = opts.label ?? ((d) => fieldLabel(d.field));
  const listed = [];
  for (const d of err?.details ?? []) {
    const control = d.field ? scope?.querySelector(`[data-field="${cssEscape(d.field)}"]`) : null;
    const errEl = control ? document.getElementById(`${control.id}-error`) : null;
    if (control && errEl) {
      control.setAttribute('aria-invalid', 'true');
      errEl.textContent = humanize(d.message);
      errEl.hidden = false;
    }
    if (!errEl || opts.listAll) listed.push(d);
  }
  box.hidden = false;
  // append(), not box.append(): the DOM's own append writes a null child as the text "null".
  append(box, [
    h('p', {}, message),
    listed.length
      ? h(
          'ul',
          {},
          listed.map((d) =>
            h('li', {}, d.field ? `${label(d)}: ${humanize(d.message)}` : humanize(d.message)),
          ),
        )
      : null,
  ]);
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
