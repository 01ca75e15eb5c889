// status.js — the sender's private page: views left, expiry, last view, and "Delete now".
// The delete token is the fragment, kept in the address bar so the page can be bookmarked.
import { api, ApiError, errorMessage, show, state } from '/js/zk.js';
import { ready, put } from '/js/i18n.js';
import { brand } from '/js/brand.js';

const $ = (id) => document.getElementById(id);
const id = location.pathname.split('/')[2] || '';
const token = location.hash.slice(1).replace(/[.,;:!?)\]}>'"»”’]+$/, '');

function gone(reason) {
  if (reason) put($('gone-reason'), reason);
  state($('gone'), 'status.gone_state');
}

async function load() {
  await ready;
  if (!/^[A-Za-z0-9_-]{22}$/.test(id) || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    return state($('broken'), 'status.broken_state');
  }
  let meta;
  try {
    meta = await api.metadata(id);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return gone();
    show($('loading'), false);
    put($('st-result'), ...errorMessage(e));
    return;
  }
  // An organization's secret shows its branding here too (as data; nothing waits for it).
  if (meta.orgId) brand(meta.orgId);
  $('st-name').textContent = meta.name || '—';
  if (meta.expiresAfterViews == null) put($('st-views'), 'views.unlimited');
  else put($('st-views'), 'value', { value: meta.expiresAfterViews });
  if (meta.lastViewedAt) put($('st-viewed'), 'value', { value: { time: meta.lastViewedAt } });
  else put($('st-viewed'), 'status.not_opened');
  put($('st-expires'), 'value', { value: { time: meta.expiresAt } });
  state($('info'), 'status.title');
}

$('delete').addEventListener('click', async () => {
  const result = $('st-result');
  try {
    await api.remove(id, token);
    gone('status.deleted');
  } catch (e) {
    if (e.status === 404) return gone();
    if (e.status === 403) put(result, 'status.token_mismatch');
    else put(result, ...errorMessage(e, 'status.delete_failed'));
  }
});

load();
