// receive.js — the requester's page: the private key (from the link, or kept in this browser) stays in the page; the server sees only the token derived from it, and returns ciphertext.
import { requestProtocol, requests, readLink, keep } from '/requests/rq.js';
import { keptKey, dropKey, dropExpired } from '/requests/keystore.js';
import { ApiError, errorMessage, copyText, show, state } from '/js/zk.js';
import { ready, put } from '/js/i18n.js';
import { me } from '/js/session.js';
import { brand } from '/js/brand.js';

const $ = (id) => document.getElementById(id);

// The private key leaves the address bar at once; this tab keeps it until the answer is read.
const link = readLink('/open', 44);
const id = link.id;
const STORE = `zkshare.requester.${id}`;
let privateKey = id ? keep(STORE, link.fragment) : '';
const forget = () => {
  try { sessionStorage.removeItem(STORE); } catch (e) { /* storage off */ }
  return dropKey(id);
};
let request = null;

/** Finds the private key: the link's, or the one this browser keeps for the signed-in user who
 * made the request. Without one, shows why and resolves to false; the server is not asked. */
async function unlock() {
  const without = (section, title) => {
    state($(section), title);
    return false;
  };
  if (privateKey) return true;
  if (!id || link.given) return without('broken', 'rq.broken_title');
  let kept = null;
  try {
    kept = await keptKey(id);
  } catch (e) { /* storage off: nothing kept */ }
  if (!kept) return without('elsewhere', 'rq.elsewhere_title');
  const user = await me;
  if (!user || user.id !== kept.user) return without('sign-in-here', 'rq.sign_in_here_title');
  try {
    privateKey = await kept.unseal();
  } catch (e) {
    return without('broken', 'rq.broken_title');
  }
  return true;
}

function fail([key, args]) {
  put($('receive-error'), key, args);
  show($('receive-error'));
}

function gone() {
  forget();
  state($('gone'), 'rq.gone_title');
}

async function check() {
  await ready;
  show($('receive-error'), false);
  if (!(await unlock())) return;
  try {
    request = await requests.get(id, true);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return gone();
    state($('waiting'), 'rq.open_title');
    return fail(errorMessage(e));
  }
  if (request.orgId) brand(request.orgId);
  $('meta-name').textContent = request.name || '—';
  put($('meta-expires'), 'value', { value: { time: request.expiresAt } });
  put($('state'), request.isAnswered ? 'rq.state_answered' : 'rq.state_waiting');
  put($('reveal-note'), request.isAnswered ? (request.keepAnswer ? 'rq.reveal_note_keep' : 'rq.reveal_note_once') : 'rq.waiting');
  show($('reveal'), request.isAnswered);
  show($('check'), !request.isAnswered);
  if ($('waiting').hidden) state($('waiting'), 'rq.open_title');
  // Loaded now, so that revealing does not wait for it.
  requestProtocol().catch((e) => fail(errorMessage(e, 'err.module')));
}

$('check').addEventListener('click', async () => {
  const button = $('check');
  button.disabled = true;
  put(button, 'rq.checking');
  await check();
  button.disabled = false;
  put(button, 'rq.check');
});

$('reveal').addEventListener('click', async () => {
  const button = $('reveal');
  show($('receive-error'), false);
  button.disabled = true;
  put(button, 'rq.revealing');
  let keys = null;
  try {
    const zk = await requestProtocol();
    try {
      keys = zk.requesterKeysFromLink(privateKey);
    } catch (e) {
      return state($('broken'), 'rq.broken_title');
    }
    let answered;
    try {
      answered = await requests.reveal(id, keys.requesterToken);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return gone();
      throw e;
    }
    let text;
    try {
      text = zk.openAnswer(privateKey, id, answered.secretValue);
    } catch (e) {
      return fail(['rq.altered', {}]);
    }
    if (!request.keepAnswer) forget();
    const field = $('secret');
    field.value = text;
    field.classList.remove('masked');
    put($('toggle'), 'reveal.hide');
    state($('secret-view'), 'rq.revealed_state');
    put($('announce'), 'rq.revealed_state');
  } catch (e) {
    fail(errorMessage(e));
  } finally {
    if (keys) keys.free();
    button.disabled = false;
    put(button, 'rq.reveal');
  }
});

// The login page returns here, to this page without a key.
$('sign-in-here-link').addEventListener('click', () => {
  try { sessionStorage.setItem('zkshare.return', `/r/${id}/open`); } catch (e) { /* storage off */ }
});

$('copy').addEventListener('click', async () => {
  const ok = await copyText($('secret').value, $('secret'));
  put($('copy-status'), ok ? 'reveal.copied' : 'reveal.copy_by_hand');
  setTimeout(() => put($('copy-status')), 5000);
});

$('toggle').addEventListener('click', () => {
  const masked = $('secret').classList.toggle('masked');
  put($('toggle'), masked ? 'reveal.show' : 'reveal.hide');
});

dropExpired();
check();
