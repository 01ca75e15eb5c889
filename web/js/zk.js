// zk.js — loads the protocol (Rust compiled to WebAssembly) and talks to the zkshare API.
// The WASM is fetched with the integrity hash the server published in the page, so a swapped
// binary fails to load instead of running; without a hash it is not loaded at all.
import init, * as wasm from '/pkg/zkshare_crypto.js';

const API = '/api/v1/shared-secrets';

let ready = null;

/** Loads the WASM once; resolves to the module's exports. */
export function protocol() {
  if (!ready) {
    const meta = document.querySelector('meta[name="zkshare-wasm-integrity"]');
    const integrity = meta ? meta.content.trim() : '';
    // Fail closed: without an integrity value the binary could not be checked, so it is not
    // loaded at all.
    if (!/^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(integrity)) {
      ready = Promise.reject(new Error((meta && meta.dataset.missing) || 'No WebAssembly integrity value.'));
      return ready;
    }
    ready = init({ module_or_path: fetch('/pkg/zkshare_crypto_bg.wasm', { integrity }) })
      .then(() => wasm);
  }
  return ready;
}

/** An API error with the server's message (`{reqId, statusCode, message, error}`). */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { message: 'The server could not be reached. Check your connection and try again.' });
  }
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const api = {
  create: (body) => call('POST', API, body),
  metadata: (id) => call('GET', `${API}/${encodeURIComponent(id)}`),
  access: (id, password) => call('POST', `${API}/${encodeURIComponent(id)}/access`, password ? { password } : {}),
  remove: async (id, token) => {
    const response = await fetch(`${API}/${encodeURIComponent(id)}`, {
      method: 'DELETE', headers: { 'X-Delete-Token': token }, cache: 'no-store', credentials: 'omit',
    });
    if (!response.ok) {
      let json = null;
      try { json = await response.json(); } catch (e) { json = null; }
      throw new ApiError(response.status, json);
    }
  },
};

/** "in 1 hour (28 Nov 2026, 18:05 UTC)": relative, then absolute with the time zone, in the
 * page's language (not the browser's locale, so that dates and words agree). */
export function formatTime(iso) {
  const d = new Date(iso);
  const lang = document.documentElement.lang || 'en';
  const m = Math.round((d - Date.now()) / 60000);
  const [n, unit] = Math.abs(m) < 60 ? [m, 'minute'] : Math.abs(m) < 1440 ? [Math.round(m / 60), 'hour'] : [Math.round(m / 1440), 'day'];
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(n, unit);
  const absolute = d.toLocaleString(lang, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
  return `${relative} (${absolute})`;
}

/** Copies `text`; falls back to selecting `input` when the clipboard is not available. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    if (input) { input.focus(); input.select(); }
    return false;
  }
}

/** Unicode scalar values, the unit of the 10,000-character limit. */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function show(el, on = true) { el.hidden = !on; }

/** Shows the section `el` (and no other) as the page's new state: its own title, and focus on
 * its heading so that keyboard and screen-reader users start there. */
export function state(el, title) {
  for (const s of document.querySelectorAll('main > section, #loading')) show(s, s === el);
  document.title = `${title} — zkshare`;
  const heading = el.querySelector('h2');
  if (heading) heading.focus();
}
