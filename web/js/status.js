// status.js — the sender's private page: views left, expiry, last view, and "Delete now".
// The delete token is the fragment, kept in the address bar so the page can be bookmarked.
import { api, ApiError, formatTime, show, state } from '/js/zk.js';

const $ = (id) => document.getElementById(id);
const id = location.pathname.split('/')[2] || '';
const token = location.hash.slice(1).replace(/[.,;:!?)\]}>'"»”’]+$/, '');

function gone(reason) {
  if (reason) $('gone-reason').textContent = reason;
  state($('gone'), 'Secret gone');
}

async function load() {
  if (!/^[A-Za-z0-9_-]{22}$/.test(id) || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    return state($('broken'), 'Status link incomplete');
  }
  let meta;
  try {
    meta = await api.metadata(id);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return gone();
    show($('loading'), false);
    $('st-result').textContent = e.message;
    return;
  }
  $('st-name').textContent = meta.name || '—';
  $('st-views').textContent = meta.expiresAfterViews == null ? 'Unlimited' : String(meta.expiresAfterViews);
  $('st-viewed').textContent = meta.lastViewedAt ? formatTime(meta.lastViewedAt) : 'Not opened yet';
  $('st-expires').textContent = formatTime(meta.expiresAt);
  state($('info'), "Your secret's status");
}

$('delete').addEventListener('click', async () => {
  const result = $('st-result');
  try {
    await api.remove(id, token);
    gone('You deleted it. Its link no longer opens anything.');
  } catch (e) {
    if (e.status === 404) return gone();
    result.textContent = e.status === 403
      ? 'This status link does not match the secret, so it cannot delete it.'
      : (e.message || 'Could not delete it. Try again.');
  }
});

load();
