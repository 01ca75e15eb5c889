// create.js — the share page: encrypts in the browser, sends only the envelope and verifier.
import { protocol, api, formatTime, copyText, charCount, show } from '/js/zk.js';

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

function fail(message) {
  error.textContent = message;
  show(error);
}

secret.addEventListener('input', updateCounter);
protocol().catch((e) => fail((e && e.message) || 'The encryption module failed to load. Reload the page.'));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  show(error, false);
  const text = secret.value;
  const n = updateCounter();
  if (n === 0) { fail('Type or paste the secret to share.'); secret.focus(); return; }
  if (n > MAX) { fail(`The secret is ${n.toLocaleString('en-US')} characters; the limit is 10,000.`); secret.focus(); return; }

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
    const views_text = share.expiresAfterViews == null ? 'unlimited views'
      : share.expiresAfterViews === 1 ? '1 view' : `${share.expiresAfterViews} views`;
    $('summary').textContent = `Expires ${formatTime(share.expiresAt)} · ${views_text}${password ? ' · password protected' : ''}`;
    $('result-status').textContent = '';
    form.reset();
    updateCounter();
    show(form, false);
    show($('result'));
    $('delete').disabled = false;
    $('result-title').focus();
    const copied = await copyText(link);
    if (copied) $('result-status').textContent = 'Link copied to the clipboard.';
  } catch (e) {
    fail(e.message || 'Something went wrong. Try again.');
  } finally {
    button.disabled = false;
    button.textContent = 'Create secret link';
  }
});

$('copy-link').addEventListener('click', async () => {
  const ok = await copyText($('link').value, $('link'));
  $('result-status').textContent = ok ? 'Link copied to the clipboard.' : 'Press Ctrl+C to copy the selected link.';
});

$('another').addEventListener('click', () => {
  last = null;
  $('link').value = '';
  show($('result'), false);
  show(form);
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
