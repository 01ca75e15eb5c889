// answer.js — the answer page: checks the served public key against the link's commitment, encrypts the answer to it, sends only the ciphertext.
import { requestProtocol, requests, needsAccount, readLink, keep } from '/requests/rq.js';
import { ApiError, errorMessage, charCount, show, state } from '/js/zk.js';
import { ready, put } from '/js/i18n.js';
import { brand } from '/js/brand.js';

const $ = (id) => document.getElementById(id);
const MAX = 10000;

// The commitment leaves the address bar at once; this tab keeps it for a reload or a sign-in.
const link = readLink('', 43);
const id = link.id;
const commitment = id ? keep(`zkshare.request.${id}`, link.fragment) : '';
let request = null;
// An organization's request asks for the session: only then is the cookie sent.
let cookie = false;

function fail([key, args], field) {
  const error = $('answer-error');
  put(error, key, args);
  show(error);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

function who(requester) {
  const el = $('meta-who');
  if (!requester) return put(el, 'rq.who_anonymous');
  if (requester.organization) return put(el, 'rq.who_org', { name: requester.name, organization: requester.organization });
  return put(el, 'rq.who', { name: requester.name });
}

async function load() {
  await ready;
  if (!id || !commitment) return state($('broken'), 'rq.broken_title');
  try {
    request = await requests.get(id, cookie).catch((e) => {
      if (needsAccount(e) && !cookie) {
        cookie = true;
        return requests.get(id, true);
      }
      throw e;
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return state($('gone'), 'rq.gone_title');
    if (needsAccount(e) || (e instanceof ApiError && e.status === 403)) {
      state($('ask'), 'rq.asks_title');
      for (const el of ['secret', 'secret-count', 'answer-note', 'send']) show($(el), false);
      show($('sign-in'), needsAccount(e));
      return fail(needsAccount(e) ? ['rq.sign_in', {}] : ['value', { value: e.message }]);
    }
    return fail(errorMessage(e));
  }
  if (request.orgId) brand(request.orgId);
  if (request.isAnswered) return state($('answered'), 'rq.answered_title');
  who(request.requester);
  $('meta-name').textContent = request.name || '—';
  put($('meta-expires'), 'value', { value: { time: request.expiresAt } });
  state($('ask'), 'rq.asks_title');
  // Loaded now, so that encrypting does not wait for it.
  requestProtocol().catch((e) => fail(errorMessage(e, 'err.module')));
}

$('secret').addEventListener('input', () => {
  const n = charCount($('secret').value);
  put($('secret-count'), 'rq.count', { n, max: MAX });
  $('secret-count').classList.toggle('over', n > MAX);
  $('secret').removeAttribute('aria-invalid');
});

$('answer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show($('answer-error'), false);
  const field = $('secret');
  const text = field.value;
  const n = charCount(text);
  if (n === 0) return fail(['rq.empty', {}], field);
  if (n > MAX) return fail(['rq.too_long', { n, max: MAX }], field);
  const button = $('send');
  button.disabled = true;
  put(button, 'rq.encrypting');
  try {
    const zk = await requestProtocol();
    let sealed;
    try {
      // Refuses, before encrypting anything, a key that is not the one the link commits to.
      sealed = zk.sealAnswer(id, request.publicKey, commitment, text);
    } catch (e) {
      field.value = '';
      return state($('substituted'), 'rq.substituted_title');
    }
    put(button, 'rq.sending');
    try {
      await requests.answer(id, sealed, cookie);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return state($('answered'), 'rq.answered_title');
      if (e instanceof ApiError && e.status === 404) return state($('gone'), 'rq.gone_title');
      throw e;
    }
    field.value = '';
    try { sessionStorage.removeItem(`zkshare.request.${id}`); } catch (e) { /* storage off */ }
    state($('sent'), 'rq.sent_title');
  } catch (e) {
    fail(errorMessage(e));
  } finally {
    button.disabled = false;
    put(button, 'rq.send');
  }
});

// The login page returns here with the commitment, kept in this tab only.
$('sign-in-link').addEventListener('click', () => {
  try { sessionStorage.setItem('zkshare.return', `/r/${id}#${commitment}`); } catch (e) { /* storage off */ }
});

load();
