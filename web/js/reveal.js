// reveal.js — the view page: reads metadata (no view used), reveals only on an explicit click.
import { protocol, api, ApiError, formatTime, copyText, show } from '/js/zk.js';

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
  return { id, key };
}

const parsed = parseLink();
const id = parsed ? parsed.id : '';
const key = parsed ? parsed.key : '';

let header = null;

function gone() {
  show($('loading'), false);
  show($('ask'), false);
  show($('secret-view'), false);
  show($('gone'));
}

function broken(reason, title) {
  show($('loading'), false);
  show($('ask'), false);
  if (reason) $('broken-reason').textContent = reason;
  if (title) $('broken-title').textContent = title;
  show($('broken'));
}

function viewsText(n) {
  if (n == null) return 'Unlimited';
  return n === 1 ? '1 (this is the last view)' : String(n);
}

async function load() {
  if (!parsed) {
    return broken('This link is damaged (it contains an invalid %-escape). Ask the sender for the full link.');
  }
  // A key that travelled in the path reached the server and any proxy on the way in their
  // request logs: it still opens the secret, but the reader should ask for a new one.
  if (keyInPath) show($('key-exposed'));
  let meta;
  try {
    meta = await api.metadata(id);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return gone();
    show($('loading'), false);
    $('reveal-error').textContent = e.message;
    return broken(e.message);
  }
  header = meta.envelopeHeader;
  let zk;
  try {
    zk = await protocol();
  } catch (e) {
    return broken(e.message || 'The encryption module failed to load. Reload the page.',
      'This page cannot open the secret');
  }
  let needsKey, needsPassword;
  try {
    needsKey = zk.headerNeedsLinkKey(header);
    needsPassword = zk.headerNeedsPassword(header);
  } catch (e) {
    return broken('This secret was stored in a format this page does not understand.');
  }
  if (needsKey && !/^[A-Za-z0-9_-]{43}$/.test(key)) return broken();
  // A link with a key is never opened as a key-less secret (PROTOCOL.md §9): the proof sent
  // would depend on the password alone, which the server could then guess offline.
  if (!needsKey && key) {
    return broken('This link carries a key, but the server says the secret needs only a password. ' +
      'zkshare never makes such links: the server, or someone on the way, may be trying to learn ' +
      'your password. Do not enter it here; nothing was sent and no view was used.',
      'This link was refused');
  }

  $('meta-name').textContent = meta.name || '—';
  $('meta-expires').textContent = formatTime(meta.expiresAt);
  $('meta-views').textContent = viewsText(meta.expiresAfterViews);
  show($('password-block'), needsPassword);
  show($('loading'), false);
  show($('ask'));
  if (needsPassword) $('password').focus(); else $('reveal').focus();
}

$('reveal-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = $('reveal-error');
  show(error, false);
  const button = $('reveal');
  const passwordInput = $('password');
  const needsPassword = !$('password-block').hidden;
  const password = needsPassword ? passwordInput.value : undefined;
  if (needsPassword && !password) {
    error.textContent = 'Enter the password the sender gave you.';
    show(error);
    passwordInput.focus();
    return;
  }
  button.disabled = true;
  button.textContent = needsPassword ? 'Checking password…' : 'Decrypting…';
  let keys = null;
  try {
    const zk = await protocol();
    keys = new zk.ReaderKeys(header, key || undefined, password);
    let share;
    try {
      share = await api.access(id, keys.verifier());
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return gone();
      if (e instanceof ApiError && e.status === 401) {
        error.textContent = needsPassword
          ? 'Wrong password. Too many wrong attempts destroy the secret.'
          : 'This link\'s key does not match the secret. Ask the sender for the full link.';
        show(error);
        if (needsPassword) { passwordInput.select(); passwordInput.focus(); }
        return;
      }
      throw e;
    }
    let text;
    try {
      text = keys.openText(share.secretValue);
    } catch (e) {
      error.textContent = 'The secret could not be decrypted: it was altered, or the link is wrong.';
      show(error);
      return;
    }
    const field = $('secret');
    field.value = text;
    field.classList.remove('masked');
    const before = share.expiresAfterViews;
    $('views-left').textContent = before == null ? 'This secret has unlimited views until it expires.'
      : before <= 1 ? 'This was the last view: the secret is now deleted from the server.'
      : `${before - 1} more view${before - 1 === 1 ? '' : 's'} remaining.`;
    show($('ask'), false);
    show($('secret-view'));
    $('secret-title').focus();
  } catch (e) {
    error.textContent = e.message || 'Something went wrong. Try again.';
    show(error);
  } finally {
    if (keys) keys.free();
    button.disabled = false;
    button.textContent = 'Reveal secret';
  }
});

$('copy').addEventListener('click', async () => {
  const ok = await copyText($('secret').value, $('secret'));
  $('views-left').dataset.copied = ok ? 'yes' : 'no';
  $('copy').textContent = ok ? 'Copied' : 'Press Ctrl+C';
  setTimeout(() => { $('copy').textContent = 'Copy'; }, 2000);
});

$('toggle').addEventListener('click', () => {
  const field = $('secret');
  const masked = field.classList.toggle('masked');
  $('toggle').textContent = masked ? 'Show' : 'Hide';
  $('toggle').setAttribute('aria-pressed', String(masked));
});

load();
