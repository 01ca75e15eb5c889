// rq.js — the request pages' protocol module (HPKE, Rust compiled to WebAssembly) and the requests API.
// The module is fetched with the integrity hash the server published in the page; without a hash
// it is not loaded at all. It is not the share pages' module: they never load HPKE.
import init, * as wasm from '/pkg/zkshare_requests.js';
import { ApiError, call, loadWasm, trimTail } from '/js/zk.js';

const API = '/api/v1/shared-secrets/requests';

let loaded = null;

/** Loads the request module once; resolves to its exports. */
export function requestProtocol() {
  if (!loaded) loaded = loadWasm(init, wasm, '/pkg/zkshare_requests_bg.wasm');
  return loaded;
}

const one = (id) => `${API}/${encodeURIComponent(id)}`;

export const requests = {
  create: (body, cookie) => call('POST', API, body, cookie),
  get: (id, cookie) => call('GET', one(id), undefined, cookie),
  answer: (id, secretValue, cookie) => call('POST', `${one(id)}/set-value`, { secretValue }, cookie),
  reveal: (id, requesterToken) => call('POST', `${one(id)}/reveal-value`, { requesterToken }),
};

/** Whether the server refused because the request is for an organization's members. */
export const needsAccount = (e) => e instanceof ApiError && e.status === 401;

/** The id of a `/r/{id}` or `/r/{id}/open` path, and the fragment, both trimmed of the
 * punctuation chat clients glue to links (`given`: whether there was a fragment at all, damaged
 * or not); the fragment is removed from the address bar first. */
export function readLink(suffix, fragmentLength) {
  const rawPath = location.pathname;
  const rawHash = location.hash;
  history.replaceState(null, '', rawPath);
  const m = new RegExp(`^/r/([A-Za-z0-9_-]{22})${suffix}/?$`).exec(rawPath);
  const fragment = trimTail(rawHash.startsWith('#') ? rawHash.slice(1) : '', fragmentLength);
  return {
    id: m ? m[1] : '',
    fragment: new RegExp(`^[A-Za-z0-9_-]{${fragmentLength}}$`).test(fragment) ? fragment : '',
    given: rawHash.length > 1,
  };
}

/** Keeps `value` for this tab only (a reload, or the way back from signing in). */
export function keep(name, value) {
  try {
    if (value) sessionStorage.setItem(name, value);
    return sessionStorage.getItem(name) || '';
  } catch (e) {
    return value || '';
  }
}
