// create.js — the share page: encrypts in the browser, sends only the envelope and verifier.
import { protocol, api, formatTime, copyText, charCount, show, state } from '/js/zk.js';
import { drawQr } from '/js/qr.js';

const $ = (id) => document.getElementById(id);
const form = $('create-form');
const secret = $('secret');
const counter = $('secret-count');
const error = $('create-error');
const button = $('create');
const MAX = 10000;

let last = null; // { id, deleteToken } of the secret just created, for "Delete it now"

function updateCounter() {
  const n = charCount(secret.value);
  counter.textContent = `${n.toLocaleString('en-US')} / ${MAX.toLocaleString('en-US')} characters`;
  counter.classList.toggle('over', n > MAX);
  return n;
}

// An error about the secret sits under its field and marks it invalid; others (the module
// failed to load, the server refused) use the same place without marking the field.
function fail(message, field) {
  error.textContent = message;
  show(error);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

secret.addEventListener('input', () => {
  updateCounter();
  secret.removeAttribute('aria-invalid');
});
protocol().catch((e) => fail((e && e.message) || 'The encryption module failed to load. Reload the page.'));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  show(error, false);
  const text = secret.value;
  const n = updateCounter();
  if (n === 0) return fail('Type or paste the secret to share.', secret);
  if (n > MAX) return fail(`The secret is ${n.toLocaleString('en-US')} characters; the limit is 10,000.`, secret);

  button.disabled = true;
  button.textContent = 'Encrypting…';
  try {
    const zk = await protocol();
    const linkKey = zk.generateLinkKey();
    const password = $('password').value;
    const sealed = zk.sealText(text, linkKey, password === '' ? undefined : password);
    const body = {
      secretValue: sealed.envelope,
      password: sealed.verifier,
      expiresIn: $('expires').value,
      accessType: 'anyone',
    };
    const name = $('name').value.trim();
    if (name) body.name = name;
    const views = $('views').value;
    if (views) body.maxViews = Number(views);
    sealed.free();

    button.textContent = 'Creating link…';
    const share = await api.create(body);
    const link = `${location.origin}/s/${share.id}#${linkKey}`;
    last = { id: share.id, deleteToken: share.deleteToken };

    $('link').value = link;
    // The delete token proves the creator; it travels only in this link's fragment.
    $('status-link').value = `${location.origin}/s/${share.id}/status#${share.deleteToken}`;
    drawQr($('qr'), link);
    const views_text = share.expiresAfterViews == null ? 'unlimited views'
      : share.expiresAfterViews === 1 ? '1 view' : `${share.expiresAfterViews} views`;
    $('summary').textContent = `Expires ${formatTime(share.expiresAt)} · ${views_text}${password ? ' · password protected' : ''}`;
    $('result-status').textContent = '';
    form.reset();
    updateCounter();
    show(form, false);
    $('delete').disabled = false;
    state($('result'), 'Your secret link');
    const copied = await copyText(link);
    if (copied) $('result-status').textContent = 'Link copied to the clipboard.';
  } catch (e) {
    fail(e.message || 'Something went wrong. Try again.');
  } finally {
    button.disabled = false;
    button.textContent = 'Create secret link';
  }
});

for (const [button, field, what] of [['copy-link', 'link', 'Link'], ['copy-status-link', 'status-link', 'Private link']]) {
  $(button).addEventListener('click', async () => {
    const ok = await copyText($(field).value, $(field));
    $('result-status').textContent = ok ? `${what} copied to the clipboard.` : 'Press Ctrl+C to copy the selected link.';
  });
}

$('another').addEventListener('click', () => {
  last = null;
  $('link').value = '';
  $('status-link').value = '';
  show($('result'), false);
  show(form);
  document.title = 'zkshare — share a secret';
  secret.focus();
});

$('delete').addEventListener('click', async () => {
  if (!last) return;
  try {
    await api.remove(last.id, last.deleteToken);
    $('result-status').textContent = 'Deleted. The link no longer works.';
    $('delete').disabled = true;
    last = null;
  } catch (e) {
    $('result-status').textContent = e.status === 404 ? 'It was already gone (viewed or expired).' : (e.message || 'Could not delete it.');
  }
});
