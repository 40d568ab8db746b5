// Boot, routing (History API; the server answers index.html for /dashboard/*) and sign-in.
import { api, getKey, setKey, clearKey, setUnauthorizedHandler, ApiError } from './api.js';
import { h, clear, field, errorBox, showError } from './dom.js';
import { campaignsPage } from './pages/campaigns.js';
import { wizardPage } from './pages/wizard.js';
import { detailPage } from './pages/detail.js';
import { setupPage } from './pages/setup.js';

// [pattern, page, whether the first group is the campaign id]
const routes = [
  [/^\/(?:dashboard(?:\/campaigns)?\/?)?$/, campaignsPage, false],
  [/^\/dashboard\/campaigns\/new\/?$/, wizardPage, false],
  [/^\/dashboard\/campaigns\/([^/]+)\/edit\/?$/, wizardPage, true],
  [/^\/dashboard\/campaigns\/([^/]+)\/?$/, detailPage, true],
  [/^\/dashboard\/setup\/?$/, setupPage, false],
];

let cleanup = null;
let flash = null;

function stopPage() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
}

/** Go to a client route. `opts.flash` is handed to the next page once (an upload summary, say). */
export function navigate(path, opts = {}) {
  flash = opts.flash ?? null;
  if (opts.replace) window.history.replaceState({}, '', path);
  else window.history.pushState({}, '', path);
  render();
}

function render() {
  stopPage();
  const main = document.getElementById('main');
  clear(main);
  const path = location.pathname;
  if (path === '/dashboard/sign-out') {
    clearKey();
    window.history.replaceState({}, '', '/dashboard/campaigns');
    signInPage(main, 'You are signed out.');
    return;
  }
  if (!getKey()) {
    signInPage(main);
    return;
  }
  document.getElementById('nav').hidden = false;
  for (const [re, page, hasId] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    const params = { id: hasId ? decodeURIComponent(m[1]) : undefined };
    const ctx = { navigate, flash };
    flash = null;
    cleanup = page(main, params, ctx) ?? null;
    main.focus({ preventScroll: true });
    return;
  }
  main.append(
    h('h1', {}, 'Page not found'),
    h('p', {}, h('a', { href: '/dashboard/campaigns' }, 'Back to campaigns')),
  );
}

function signInPage(main, message) {
  document.getElementById('nav').hidden = true;
  document.title = 'Sign in · Ori Dialler';
  const input = h('input', {
    type: 'password',
    name: 'api_key',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const box = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card signin',
      'aria-labelledby': 'signin-title',
      onsubmit: async (e) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        setKey(key);
        submit.disabled = true;
        submit.textContent = 'Signing in…';
        try {
          await api.get('/campaigns');
          render();
        } catch (err) {
          // A 401 has already re-rendered this form with its message; anything else (429 after too many
          // failed keys, API down) is shown here, and the key is not kept.
          if (err instanceof ApiError && err.status === 401) return;
          clearKey();
          submit.disabled = false;
          submit.textContent = 'Sign in';
          showError(box, err);
        }
      },
    },
    h('h1', { id: 'signin-title' }, 'Sign in to Ori'),
    h('p', { class: 'muted' }, 'Paste an API key. It is kept in this browser only, until you sign out.'),
    h(
      'p',
      { class: 'hint' },
      'No key yet? Run ',
      h('code', {}, 'npm run keys -- create <name>'),
      ', or start the API with ORI_BOOTSTRAP_API_KEY set.',
    ),
    message ? h('p', { class: 'alert alert-info', role: 'status' }, message) : null,
    box,
    field('API key', input),
    submit,
  );
  main.append(form);
  input.focus();
}

setUnauthorizedHandler((message) => {
  stopPage();
  const main = document.getElementById('main');
  clear(main);
  signInPage(main, message);
});

document.addEventListener('click', (e) => {
  const a = e.target instanceof window.Element ? e.target.closest('a[href]') : null;
  if (!a || a.target || a.hasAttribute('download') || e.defaultPrevented) return;
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/dashboard')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', render);
render();
