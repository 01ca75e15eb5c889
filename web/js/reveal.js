// reveal.js — the view page: reads metadata (no view used), reveals only on an explicit click.
import { needsAccount, protocol, api, ApiError, errorMessage, copyText, show, state, trimTail } from '/js/zk.js';
import { ready, put } from '/js/i18n.js';
import { brand } from '/js/brand.js';

const $ = (id) => document.getElementById(id);

// The key must not stay in the address bar, the history, or a bookmark, even when the link
// turns out to be malformed: strip it first, before anything that could throw. The raw path
// is cut at a '%23' (a '#' rewritten by a mail scanner), since the key follows it.
const rawPath = location.pathname;
const rawHash = location.hash;
const encodedHash = rawPath.search(/%23/i);
const keyInPath = encodedHash >= 0 && rawPath.length > encodedHash + 3;
history.replaceState(null, '', encodedHash >= 0 ? rawPath.slice(0, encodedHash) : rawPath);


// The link is /s/{id}#{key}. A mail scanner may have rewritten '#' to '%23'; accept that too.
// Returns null when the link cannot be read.
function parseLink() {
  let key = rawHash.startsWith('#') ? rawHash.slice(1) : '';
  let rest;
  try {
    rest = decodeURIComponent(rawPath.slice('/s/'.length));
  } catch (e) {
    return null;
  }
  let id = rest;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    id = rest.slice(0, hash);
    if (!key) key = rest.slice(hash + 1);
  }
  id = id.replace(/\/+$/, '');
  // `#r=TOKEN`: a recipient's proof of their mailbox from the e-mail, not a key.
  const token = key.startsWith('r=') ? trimTail(key.slice(2), 43) : '';
  return { id: trimTail(id, 22), key: token ? '' : trimTail(key, 43), token };
}

// The key left the address bar, so a reload, a bookmark or a copied address has none. It is
// kept for this tab only, until the secret is gone; the device remembers the ids it opened
// (never keys) until they expire, to explain a key-less reopening instead of blaming the sender.
const storage = (kind) => { try { return window[kind]; } catch (e) { return null; } };
const session = storage('sessionStorage');
const local = storage('localStorage');
const KEY = 'zkshare.key.';
const OPENED = 'zkshare.opened.';
function remember(store, name, value) { try { if (store) store.setItem(name, value); } catch (e) { /* full or off */ } }
function forget(id) {
  if (session) session.removeItem(KEY + id);
  if (local) local.removeItem(OPENED + id);
}
if (local) {
  for (let i = local.length - 1; i >= 0; i--) {
    const name = local.key(i);
    if (name && name.startsWith(OPENED) && !(Number(local.getItem(name)) > Date.now())) local.removeItem(name);
  }
}

const parsed = parseLink();
const id = parsed ? parsed.id : '';
let key = parsed ? parsed.key : '';
let token = parsed ? parsed.token : '';
if (parsed && (key || token)) remember(session, KEY + id, key || `r=${token}`);
else if (parsed && session) {
  key = session.getItem(KEY + id) || '';
  if (key.startsWith('r=')) [token, key] = [key.slice(2), ''];
}
// Where the login page sends the reader back to (this tab only; the fragment never reaches the server).
const RETURN = 'zkshare.return';

let header = null;
let meta = {};

function gone() {
  forget(id);
  state($('gone'), 'reveal.gone_state');
}

// The texts of the broken states are in the page: `why` names one (`why-damaged`…), whose
// data-title is the heading's catalog key; `message` ([key, args]) replaces the default text
// for errors from elsewhere.
function broken(why, message) {
  const reason = why ? $(`why-${why}`) : $('broken-reason');
  if (message) put(reason, ...message);
  if (why) {
    show($('broken-reason'), false);
    show(reason);
    if (reason.dataset.title) put($('broken-title'), reason.dataset.title);
  }
  state($('broken'), $('broken-title').dataset.i18n);
}

function viewsText(el, n) {
  if (n == null) return put(el, 'views.unlimited');
  put(el, n === 1 ? 'reveal.last_of' : 'value', { value: n, n });
}

async function load() {
  await ready;
  if (!parsed) {
    return broken('damaged');
  }
  // A key that travelled in the path reached the server and any proxy on the way in their
  // request logs: it still opens the secret, but the reader should ask for a new one.
  if (keyInPath) show($('key-exposed'));
  try {
    meta = await api.metadata(id);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return gone();
    return broken('', errorMessage(e));
  }
  // An organization's secret shows its branding (loaded as data; nothing waits for it).
  if (meta.orgId) brand(meta.orgId);
  header = meta.envelopeHeader;
  let zk;
  try {
    zk = await protocol();
  } catch (e) {
    return broken('module', e && e.key ? errorMessage(e) : null);
  }
  let needsKey, needsPassword;
  try {
    needsKey = zk.headerNeedsLinkKey(header);
    needsPassword = zk.headerNeedsPassword(header);
  } catch (e) {
    return broken('format');
  }
  if (needsKey && !/^[A-Za-z0-9_-]{43}$/.test(key)) {
    if (local && local.getItem(OPENED + id)) {
      return broken('opened');
    }
    return broken();
  }
  // A link with a key is never opened as a key-less secret (PROTOCOL.md §9): the proof sent
  // would depend on the password alone, which the server could then guess offline.
  if (!needsKey && key) {
    return broken('refused');
  }
  if (needsKey) remember(local, OPENED + id, String(Date.parse(meta.expiresAt)));

  $('meta-name').textContent = meta.name || '—';
  put($('meta-expires'), 'value', { value: { time: meta.expiresAt } });
  viewsText($('meta-views'), meta.expiresAfterViews);
  put($('reveal-note'), meta.expiresAfterViews === 1 ? 'reveal.note_last' : 'reveal.note');
  show($('password-block'), needsPassword);
  state($('ask'), 'reveal.ask_title');
}

// `message`: [key, args] of the catalog.
function fieldError([key, args], input) {
  const error = $('reveal-error');
  put(error, key, args);
  show(error);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.select();
    input.focus();
  }
}

$('reveal-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = $('reveal-error');
  show(error, false);
  show($('sign-in'), false);
  const button = $('reveal');
  const passwordInput = $('password');
  passwordInput.removeAttribute('aria-invalid');
  const needsPassword = !$('password-block').hidden;
  const password = needsPassword ? passwordInput.value : undefined;
  if (needsPassword && !password) return fieldError(['reveal.pw_empty', {}], passwordInput);
  button.disabled = true;
  put(button, needsPassword ? 'reveal.checking' : 'reveal.decrypting');
  let keys = null;
  try {
    const zk = await protocol();
    keys = new zk.EnvelopeKeys(header, key || undefined, password);
    let share;
    try {
      share = await api.access(id, keys.verifier(), token, !token && (meta.accessType === 'organization' || meta.recipientCount > 0));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return gone();
      if (e instanceof ApiError && e.status === 401 && needsAccount(e)) {
        show($('sign-in'));
        return fieldError(meta.recipientCount ? ['value', { value: e.message }] : ['reveal.sign_in', {}]);
      }
      if (e instanceof ApiError && e.status === 403) return fieldError(['value', { value: e.message }]);
      if (e instanceof ApiError && e.status === 401) {
        const left = e.body && e.body.attemptsLeft;
        return needsPassword
          ? fieldError(left >= 0 ? ['reveal.pw_left', { n: left }] : ['reveal.pw_wrong', {}], passwordInput)
          : fieldError(['reveal.mismatch', {}]);
      }
      throw e;
    }
    let text;
    try {
      text = keys.openText(share.secretValue);
    } catch (e) {
      return fieldError(['reveal.altered', {}]);
    }
    const field = $('secret');
    field.value = text;
    field.classList.remove('masked');
    put($('toggle'), 'reveal.hide');
    const before = share.expiresAfterViews;
    if (before != null && before <= 1) forget(id);
    const views = before == null ? { key: 'reveal.views_unlimited' }
      : before <= 1 ? { key: 'reveal.views_last' }
      : { key: 'reveal.views_more', args: { n: before - 1 } };
    put($('views-left'), views.key, views.args);
    state($('secret-view'), 'reveal.revealed_state');
    put($('announce'), 'reveal.announce', { views });
  } catch (e) {
    fieldError(errorMessage(e));
  } finally {
    if (keys) keys.free();
    button.disabled = false;
    put(button, 'reveal.submit');
  }
});

// The login page returns to this link with its key or token, kept in this tab only.
$('sign-in-link').addEventListener('click', () => {
  remember(session, RETURN, `/s/${id}${key ? `#${key}` : token ? `#r=${token}` : ''}`);
});

$('copy').addEventListener('click', async () => {
  const ok = await copyText($('secret').value, $('secret'));
  const status = $('copy-status');
  put(status, ok ? 'reveal.copied' : 'reveal.copy_by_hand');
  setTimeout(() => put(status), 5000);
});

// A button whose label says what it does next; no aria-pressed, which would contradict it.
$('toggle').addEventListener('click', () => {
  const masked = $('secret').classList.toggle('masked');
  put($('toggle'), masked ? 'reveal.show' : 'reveal.hide');
});

load();
