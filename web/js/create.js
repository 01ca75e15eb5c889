// create.js — the share page: encrypts in the browser, sends only the envelope and verifier.
import { protocol, api, errorMessage, copyText, charCount, show, state } from '/js/zk.js';
import { ready, put } from '/js/i18n.js';
import { drawQr } from '/js/qr.js';
import { org } from '/js/session.js';
import { brand } from '/js/brand.js';

/** Filled by /accounts/share.js (e-mail recipients, read receipts): `fields()` gives the API
 * fields it adds, or throws [key, args] to refuse; `created(share)` follows a create. */
export const extra = {};
// That script is loaded, with its integrity, only for a member of an organization.
org.then((current) => {
  if (current) brand(current.id);
  const meta = document.querySelector('meta[name="zkshare-share-extra"]');
  if (current && meta) document.head.append(Object.assign(document.createElement('script'), { type: 'module', src: meta.dataset.src, integrity: meta.content }));
});

const $ = (id) => document.getElementById(id);
const form = $('create-form');
const secret = $('secret');
const counter = $('secret-count');
const error = $('create-error');
const button = $('create');
const MAX = 10000;
// Shown by session.js when a signed-in user has a current organization.
const orgOnly = () => !$('org-only').closest('[hidden]') && $('org-only').checked;

let last = null; // { id, deleteToken } of the secret just created, for "Delete it now"

function updateCounter() {
  const n = charCount(secret.value);
  put(counter, 'create.count', { n, max: MAX });
  counter.classList.toggle('over', n > MAX);
  return n;
}

// An error about the secret sits under its field and marks it invalid; others (the module
// failed to load, the server refused) use the same place without marking the field.
function fail([key, args], field) {
  put(error, key, args);
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
ready.then(() => protocol()).catch((e) => fail(errorMessage(e, 'err.module')));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  await ready;
  show(error, false);
  const text = secret.value;
  const n = updateCounter();
  if (n === 0) return fail(['create.empty', {}], secret);
  if (n > MAX) return fail(['create.too_long', { n, max: MAX }], secret);
  let more;
  try {
    more = extra.fields ? extra.fields() : {};
  } catch (e) {
    return fail(e);
  }

  button.disabled = true;
  put(button, 'create.encrypting');
  try {
    const zk = await protocol();
    // Mailed to recipients by the server, which has no key: sealed with the password only.
    const linkKey = more.authorizedEmails ? undefined : zk.generateLinkKey();
    const password = $('password').value;
    const sealed = zk.sealText(text, linkKey, password === '' ? undefined : password);
    const body = {
      secretValue: sealed.envelope,
      password: sealed.verifier,
      expiresIn: $('expires').value,
      accessType: orgOnly() ? 'organization' : 'anyone',
    };
    const name = $('name').value.trim();
    if (name) body.name = name;
    const views = $('views').value;
    if (views) body.maxViews = Number(views);
    sealed.free();
    Object.assign(body, more);

    put(button, 'create.creating');
    const share = await api.create(body, body.accessType === 'organization' || Object.keys(more).length > 0);
    const link = `${location.origin}/s/${share.id}${linkKey ? `#${linkKey}` : ''}`;
    last = { id: share.id, deleteToken: share.deleteToken };

    $('link').value = link;
    // The delete token proves the creator; it travels only in this link's fragment.
    $('status-link').value = `${location.origin}/s/${share.id}/status#${share.deleteToken}`;
    drawQr($('qr'), link);
    const viewsText = share.expiresAfterViews == null ? { key: 'views.unlimited_lower' }
      : { key: 'views.n', args: { n: share.expiresAfterViews } };
    put($('summary'), password ? 'link.summary_password' : 'link.summary', { time: { time: share.expiresAt }, views: viewsText });
    put($('result-status'));
    form.reset();
    updateCounter();
    show(form, false);
    $('delete').disabled = false;
    state($('result'), 'link.title');
    if (extra.created) extra.created(share);
    const copied = await copyText(link);
    if (copied) put($('result-status'), 'link.copied');
  } catch (e) {
    fail(errorMessage(e));
  } finally {
    button.disabled = false;
    put(button, 'create.submit');
  }
});
// Disabled in the HTML until this handler exists (a plain submit would be a GET to the server).
button.disabled = false;

for (const [button, field, done] of [['copy-link', 'link', 'link.copied'], ['copy-status-link', 'status-link', 'link.status_copied']]) {
  $(button).addEventListener('click', async () => {
    const ok = await copyText($(field).value, $(field));
    put($('result-status'), ok ? done : 'link.copy_by_hand');
  });
}

$('another').addEventListener('click', () => {
  last = null;
  $('link').value = '';
  $('status-link').value = '';
  show($('result'), false);
  show(form);
  put(document.querySelector('title'), 'title.create');
  secret.focus();
});

$('delete').addEventListener('click', async () => {
  if (!last) return;
  try {
    await api.remove(last.id, last.deleteToken);
    put($('result-status'), 'link.deleted');
    $('delete').disabled = true;
    last = null;
  } catch (e) {
    if (e.status === 404) return put($('result-status'), 'link.already_gone');
    put($('result-status'), ...errorMessage(e, 'link.delete_failed'));
  }
});
