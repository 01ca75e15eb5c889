// i18n.js — the pages' languages: loads the message catalog web/i18n/{lang}.json and renders it.
// Every visible text comes from the catalog (English is its fallback in the HTML until it
// loads). The catalog is fetched with the integrity hash the server put in the page, like the
// WASM. An element names its message in data-i18n (and JSON arguments in data-i18n-args);
// attributes in data-i18n-attr ("aria-label:key …"). A message is a string with {name}
// arguments, or {one, other, …} chosen by Intl.PluralRules on the argument n. Only <code> and
// <a> may appear in a message: they are copies of the element's own <code>/<a> (so links keep
// their href), never parsed HTML.

export const LANGS = ['en', 'de', 'fr'];
const STORE = 'zkshare.lang';
let lang = 'en';
let catalog = null;

function stored() {
  try { return localStorage.getItem(STORE); } catch (e) { return null; }
}

/** The chosen language, else the first of the browser's languages the pages speak, else English. */
function pick() {
  const prefs = [stored(), ...(navigator.languages || [navigator.language])];
  for (const l of prefs) {
    const base = String(l || '').toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

// A page may name a second catalog (meta zkshare-i18n-extra, data-dir) whose messages join the first.
async function fetchCatalog(name, dir, want) {
  const meta = document.querySelector(`meta[name="${name}"]`);
  if (!meta && !dir) return {};
  const integrity = meta ? (meta.dataset[want] || '').trim() : '';
  if (!/^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(integrity)) throw new Error(`no integrity value for the ${want} catalog`);
  const response = await fetch(`${dir || meta.dataset.dir}${want}.json`, { integrity, credentials: 'omit' });
  if (!response.ok) throw new Error(`the ${want} catalog: HTTP ${response.status}`);
  return response.json();
}

const extras = ['zkshare-i18n-extra'];
async function load(want) {
  const parts = await Promise.all([fetchCatalog('zkshare-i18n', '/i18n/', want), ...extras.map((name) => fetchCatalog(name, '', want))]);
  return Object.assign(...parts);
}

/** Adds the catalog that meta `name` describes (as zkshare-i18n-extra) to the page's, later. */
export async function extend(name) {
  await ready;
  extras.push(name);
  Object.assign(catalog, await fetchCatalog(name, '', lang));
  apply();
}

/** The message `key` with `args`: numbers are formatted, {time: iso} becomes formatTime, and
 * {key, args} another message. A missing key shows the key itself (the tests look for that). */
export function t(key, args = {}) {
  let message = catalog && catalog[key];
  if (message === undefined) return key;
  if (typeof message === 'object') {
    message = message[new Intl.PluralRules(lang).select(Number(args.n))] || message.other;
  }
  return message.replace(/\{(\w+)\}/g, (_, name) => {
    const v = args[name];
    if (typeof v === 'number') return new Intl.NumberFormat(lang).format(v);
    if (v && typeof v === 'object') return v.time ? formatTime(v.time) : t(v.key, v.args);
    return v == null ? '' : String(v);
  });
}

// Renders `text` into `el`; <code>/<a> in it become copies of the element's own, in order.
function render(el, text) {
  if (!text.includes('<')) {
    el.textContent = text;
    return;
  }
  const own = { a: [...el.querySelectorAll('a')], code: [...el.querySelectorAll('code')] };
  const used = { a: 0, code: 0 };
  const nodes = [];
  const parts = text.split(/<(a|code)>(.*?)<\/\1>/);
  for (let i = 0; i < parts.length; i += 3) {
    if (parts[i]) nodes.push(document.createTextNode(parts[i]));
    if (i + 2 < parts.length) {
      const tag = parts[i + 1];
      const template = own[tag][used[tag]++];
      const node = template ? template.cloneNode(false) : document.createElement('code');
      node.textContent = parts[i + 2];
      nodes.push(node);
    }
  }
  el.replaceChildren(...nodes);
}

function spec(el) {
  if (!el.i18n) {
    let args = {};
    try { args = JSON.parse(el.dataset.i18nArgs || '{}'); } catch (e) { args = {}; }
    el.i18n = { key: el.dataset.i18n, args };
  }
  return el.i18n;
}

/** Renders every element of the page that names a message, and `<html lang>`. */
function apply() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const { key, args } = spec(el);
    render(el, t(key, args));
  }
  for (const el of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.trim().split(/\s+/)) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
  const select = document.getElementById('lang');
  if (select) select.value = lang;
}

/** Shows message `key` in `el` and keeps it there in the language chosen later; no key empties it. */
export function put(el, key, args = {}) {
  if (!key) {
    delete el.dataset.i18n;
    el.i18n = null;
    el.textContent = '';
    return;
  }
  el.dataset.i18n = key;
  el.i18n = { key, args };
  if (catalog) render(el, t(key, args));
}

/** The page's title: message `key` followed by " — zkshare". */
export function title(key) {
  put(document.querySelector('title'), 'title.page', { title: { key } });
}

/** Switches to `want`, remembers it on this device (not a secret), and re-renders the page. */
export async function use(want) {
  if (!LANGS.includes(want)) return;
  try { localStorage.setItem(STORE, want); } catch (e) { /* storage off */ }
  catalog = await load(want);
  lang = want;
  apply();
}

/** "in 1 hour (28 Nov 2026, 18:05 UTC)": relative, then absolute with the time zone, in the
 * page's language (not the browser's locale, so that dates and words agree). */
export function formatTime(iso) {
  const d = new Date(iso);
  const m = Math.round((d - Date.now()) / 60000);
  const [n, unit] = Math.abs(m) < 60 ? [m, 'minute'] : Math.abs(m) < 1440 ? [Math.round(m / 60), 'hour'] : [Math.round(m / 1440), 'day'];
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(n, unit);
  const absolute = d.toLocaleString(lang, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
  return `${relative} (${absolute})`;
}

/** Resolves once the page's language is loaded and rendered. */
export const ready = (async () => {
  const want = pick();
  try {
    catalog = await load(want);
    lang = want;
  } catch (e) {
    if (want === 'en') throw e;
    catalog = await load('en');
  }
  apply();
  const select = document.getElementById('lang');
  // A catalog that fails to load leaves the page, and the menu, in the language it was.
  if (select) select.addEventListener('change', () => use(select.value).catch(apply));
})();
