// create.js (requests) — the "Request a secret" page: the key pair is made here; the server gets the public key and a token derived from the private one.
import { requestProtocol, requests } from '/requests/rq.js';
import { errorMessage, copyText, show, state } from '/js/zk.js';
import { ready, put } from '/js/i18n.js';
import { me, org } from '/js/session.js';
import { brand } from '/js/brand.js';
import { keepKey, dropExpired } from '/requests/keystore.js';

const $ = (id) => document.getElementById(id);
const form = $('request-form');
const error = $('request-error');
const button = $('create');
// Shown by session.js when a signed-in user has a current organization.
const orgOnly = () => !$('org-only').closest('[hidden]') && $('org-only').checked;

function fail([key, args]) {
  put(error, key, args);
  show(error);
}

org.then((current) => current && brand(current.id));
// A signed-in requester may keep the key in this browser instead of a private link.
me.then((user) => show($('keep-here-row'), !!user));
dropExpired();
ready.then(() => requestProtocol()).catch((e) => fail(errorMessage(e, 'err.module')));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  await ready;
  show(error, false);
  button.disabled = true;
  put(button, 'rq.creating');
  let keys = null;
  try {
    const zk = await requestProtocol();
    keys = zk.generateRequesterKeys();
    const body = {
      expiresIn: $('expires').value,
      accessType: orgOnly() ? 'organization' : 'anyone',
      publicKey: keys.publicKey,
      requesterToken: keys.requesterToken,
      keepAnswer: $('keep').checked,
    };
    const name = $('name').value.trim();
    if (name) body.name = name;
    // A signed-in requester's request is theirs (listed, and the answer is announced by mail).
    const user = await me;
    const here = !!user && !$('keep-here-row').hidden && $('keep-here').checked;
    const request = await requests.create(body, !!user);
    const answerLink = `${location.origin}/r/${request.id}#${keys.commitment}`;
    $('answer-link').value = answerLink;
    put($('summary'), 'rq.summary', { time: { time: request.expiresAt } });
    put($('result-status'));
    // When this browser cannot keep the key, the private link is shown after all.
    const kept = here && (await keepKey(request.id, user.id, keys.privateKey, request.expiresAt).then(() => true, () => false));
    const open = `${location.origin}/r/${request.id}/open`;
    $('requester-link').value = kept ? '' : `${open}#${keys.privateKey}`;
    $('open-link').href = open;
    $('open-link').textContent = open;
    show($('requester-block'), !kept);
    show($('kept-here'), kept);
    form.reset();
    show(form, false);
    state($('result'), 'rq.result_title');
    if (here && !kept) put($('result-status'), 'rq.keep_here_failed');
    else if (await copyText(answerLink)) put($('result-status'), 'rq.copied');
  } catch (e) {
    fail(errorMessage(e));
  } finally {
    if (keys) keys.free();
    button.disabled = false;
    put(button, 'rq.submit');
  }
});
// Disabled in the HTML until this handler exists (a plain submit would be a GET to the server).
button.disabled = false;

for (const [id, field] of [['copy-answer', 'answer-link'], ['copy-requester', 'requester-link']]) {
  $(id).addEventListener('click', async () => {
    const ok = await copyText($(field).value, $(field));
    put($('result-status'), ok ? 'rq.copied' : 'rq.copy_by_hand');
  });
}

$('another').addEventListener('click', () => {
  $('answer-link').value = '';
  $('requester-link').value = '';
  show($('result'), false);
  show(form);
  put(document.querySelector('title'), 'title.request');
  $('name').focus();
});
