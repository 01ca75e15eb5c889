// zk.js — loads the protocol (Rust compiled to WebAssembly) and talks to the zkshare API.
// The WASM is fetched with the integrity hash the server published in the page, so a swapped
// binary fails to load instead of running; without a hash it is not loaded at all.
import init, * as wasm from '/pkg/zkshare_crypto.js';
import { title } from '/js/i18n.js';

const API = '/api/v1/shared-secrets';

let ready = null;

/** Loads a WebAssembly module through its glue's `init`, fetched with the integrity value
 * of the page's `zkshare-wasm-integrity` meta; resolves to `exports`. Without a well-formed
 * value it is not loaded at all (fail closed). */
export function loadWasm(init, exports, path) {
  const meta = document.querySelector('meta[name="zkshare-wasm-integrity"]');
  const integrity = meta ? meta.content.trim() : '';
  if (!/^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(integrity)) {
    return Promise.reject(Object.assign(new Error('No WebAssembly integrity value.'), { key: 'err.wasm_missing' }));
  }
  return init({ module_or_path: fetch(path, { integrity }) }).then(() => exports);
}

/** Loads the share pages' WASM once; resolves to the module's exports. */
export function protocol() {
  if (!ready) ready = loadWasm(init, wasm, '/pkg/zkshare_crypto_bg.wasm');
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

/** What to show for an error `e`, as [key, args] of the message catalog: its own message
 * (`e.key`), the server's words (the API speaks English) inside a translated sentence, or a
 * plain "something went wrong". */
export function errorMessage(e, fallback = 'err.other') {
  if (e && e.key) return [e.key, {}];
  if (e instanceof ApiError && e.status > 0) return ['err.server', { message: e.message }];
  return [fallback, {}];
}

/** One API call: JSON in and out, never cached; a refusal throws an `ApiError`. Without
 * `cookie` the request carries no session: an anonymous share stays unlinked to any account. */
export async function call(method, path, body, cookie = false) {
  const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store', credentials: cookie ? 'same-origin' : 'omit' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw Object.assign(new ApiError(0, null), { key: 'err.network' });
  }
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** Whether the server refused `e` because the secret is for an organization's members. */
export const needsAccount = (e) => !!(e.body && /^Authentication required to view/.test(e.body.message));

export const api = {
  create: (body, cookie) => call('POST', API, body, cookie),
  metadata: (id) => call('GET', `${API}/${encodeURIComponent(id)}`),
  // An organization's or recipients' secret (`restricted`, from its metadata) asks for a
  // session: only then is the cookie sent.
  access: (id, password, recipientToken, restricted) => {
    const body = recipientToken ? { password, recipientToken } : { password };
    const open = (cookie) => call('POST', `${API}/${encodeURIComponent(id)}/access`, body, cookie);
    return open(restricted).catch((e) => { if (!restricted && e.status === 401 && needsAccount(e)) return open(true); throw e; });
  },
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

/** Chat and mail clients glue punctuation to a link ("…#KEY.", "(…#KEY)"): after `n` characters
 * (a key, an id), a tail of only such punctuation is dropped. */
export const trimTail = (s, n) => (s.length > n && /^[.,;:!?)\]}>'"»”’]+$/.test(s.slice(n)) ? s.slice(0, n) : s);

/** Unicode scalar values, the unit of the 10,000-character limit. */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function show(el, on = true) { el.hidden = !on; }

/** Shows the section `el` (and no other) as the page's new state: its own title (a catalog
 * key), and focus on its heading so that keyboard and screen-reader users start there. */
export function state(el, titleKey) {
  for (const s of document.querySelectorAll('main > section, #loading')) show(s, s === el);
  title(titleKey);
  const heading = el.querySelector('h2');
  if (heading) heading.focus();
}
