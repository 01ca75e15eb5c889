// account.js — the account pages (sign-up, login, reset, invitation, account, organization) over the account API; server data is shown with textContent only.
import { ready, put, t, title } from '/js/i18n.js';

const $ = (id) => document.getElementById(id);
const page = document.body.dataset.page;

// A reset token leaves the address bar (and so the history) before anything else happens.
const resetToken = page === 'reset' ? location.hash.slice(1) : '';
if (page === 'reset') history.replaceState(null, '', location.pathname);

/** Calls the account API with the session cookie; throws {status, message, body} when refused. */
async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch (e) {
    throw Object.assign(new Error('network'), { key: 'err.network' });
  }
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  if (!response.ok) {
    throw Object.assign(new Error((json && json.message) || `HTTP ${response.status}`), { status: response.status, body: json });
  }
  return json;
}

/** The signed-in user's profile, or null. */
const session = () => api('GET', '/auth/session').then((b) => b.user);

/** Shows error `e` in `el`: the server's own words, else a translated sentence. */
function showError(el, e) {
  if (e.key) put(el, e.key);
  else if (e.status) put(el, 'value', { value: e.message });
  else put(el, 'err.other');
  el.hidden = false;
}

/** Runs `handler(form)` on submit, with its button disabled meanwhile and errors under the form.
 * The pages' submit buttons start disabled: a form sent before its handler exists would put its
 * fields (a password) in the address. */
function onSubmit(form, handler) {
  const error = form.querySelector('.error');
  const button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await ready;
    if (error) error.hidden = true;
    button.disabled = true;
    try {
      await handler(form);
    } catch (e) {
      if (error) showError(error, e);
    } finally {
      button.disabled = false;
    }
  });
  button.disabled = false;
}

/** Runs `handler` on click; errors go to `errorEl`. */
function onClick(button, handler, errorEl) {
  button.addEventListener('click', async () => {
    if (errorEl) errorEl.hidden = true;
    button.disabled = true;
    try {
      await handler();
    } catch (e) {
      if (errorEl) showError(errorEl, e);
    } finally {
      button.disabled = false;
    }
  });
}

/** A new element; `text` is set with textContent, `i18n` as [key, args]. */
function el(tag, { text, i18n, ...attrs } = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  if (i18n) put(node, ...i18n);
  node.append(...children);
  return node;
}

/** Shows section `section` (and no other) as the page's state, titled `key`. */
function showState(section, key) {
  for (const s of document.querySelectorAll('main > section, #loading')) s.hidden = s !== section;
  title(key);
  const heading = section.querySelector('h2');
  if (heading) heading.focus();
}

const go = (path) => location.assign(path);
const role = (r) => ['role.' + r, {}];
const when = (iso) => ['value', { value: { time: iso } }];
const date = (iso) => new Date(iso).toLocaleDateString(document.documentElement.lang, { year: 'numeric', month: 'short', day: 'numeric' });

// `#invite=zki_…` on the sign-up and login pages: come back to that invitation afterwards.
function pendingInvite() {
  const m = /^#invite=(zki_[A-Za-z0-9_-]+)$/.exec(location.hash);
  return m ? m[1] : null;
}
// The reveal page's "Sign in to view" (and the request pages' "Sign in to answer" and "Sign in")
// keep their link, fragment included, in this tab: back there once, and only to a secret's or
// request's page.
function returnTo() {
  let target = null;
  try {
    target = sessionStorage.getItem('zkshare.return');
    sessionStorage.removeItem('zkshare.return');
  } catch (e) { /* storage off */ }
  const share = /^\/s\/[A-Za-z0-9_-]{1,64}(#(r=)?[A-Za-z0-9_-]{43})?$/;
  const request = /^\/r\/[A-Za-z0-9_-]{22}(#[A-Za-z0-9_-]{43}|\/open)$/;
  return target && (share.test(target) || request.test(target)) ? target : null;
}
const afterSignIn = (invite) => go(invite ? `/invite#${invite}` : returnTo() || '/account');

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch (e) {
    input.focus();
    input.select();
    return false;
  }
}

const pages = {
  async signup() {
    const invite = pendingInvite();
    if (invite) {
      $('signup-invite').hidden = false;
      $('login-link').href = `/login#invite=${invite}`;
    }
    let email = '';
    onSubmit($('signup-form'), async (form) => {
      email = form.elements.email.value.trim();
      const body = { email, password: form.elements.password.value };
      if (invite) body.inviteToken = invite;
      await api('POST', '/auth/signup', body);
      put($('verify-sent'), 'verify.sent', { email });
      showState($('verify'), 'verify.title');
      $('code').focus();
    });
    onSubmit($('verify-form'), async (form) => {
      await api('POST', '/auth/verify', { email, code: form.elements.code.value.replace(/\s+/g, '') });
      afterSignIn(invite);
    });
  },

  async login() {
    const invite = pendingInvite();
    if (invite) $('signup-link').href = `/signup#invite=${invite}`;
    if (location.hash === '#reset') $('forgot').open = true;
    if (location.hash === '#reset-done') put($('login-status'), 'login.reset_done');
    onSubmit($('login-form'), async (form) => {
      await api('POST', '/auth/login', { email: form.elements.email.value.trim(), password: form.elements.password.value });
      afterSignIn(invite);
    });
    onSubmit($('forgot-form'), async (form) => {
      await api('POST', '/auth/password-reset', { email: form.elements.email.value.trim() });
      put($('forgot-status'), 'login.reset_sent');
    });
  },

  async reset() {
    const token = resetToken;
    if (!/^zkr_[A-Za-z0-9_-]+$/.test(token)) return showState($('reset-broken'), 'reset.broken_title');
    onSubmit($('reset-form'), async (form) => {
      await api('POST', '/auth/password-reset/confirm', { token, newPassword: form.elements.password.value });
      go('/login#reset-done');
    });
  },

  async invite() {
    const token = location.hash.slice(1);
    if (!/^zki_[A-Za-z0-9_-]+$/.test(token)) return showState($('inv-gone'), 'invite.gone_title');
    let invitation;
    try {
      ({ invitation } = await api('POST', '/invites/lookup', { token }));
    } catch (e) {
      if (e.status === 404 || e.status === 400) return showState($('inv-gone'), 'invite.gone_title');
      throw e;
    }
    $('inv-org').textContent = invitation.organizationName;
    put($('inv-role'), ...role(invitation.role));
    $('inv-email').textContent = invitation.email;
    put($('inv-expires'), ...when(invitation.expiresAt));
    const user = await session();
    if (!user) {
      $('inv-signup').href = `/signup#invite=${token}`;
      $('inv-login').href = `/login#invite=${token}`;
      $('inv-anon').hidden = false;
    } else if (user.email.toLowerCase() === invitation.email.toLowerCase()) {
      $('inv-accept').hidden = false;
      onClick($('accept'), async () => {
        await api('POST', '/invites/accept', { token });
        go('/account');
      }, $('inv-error'));
    } else {
      put($('inv-other-text'), 'invite.other', { email: user.email, invited: invitation.email });
      $('inv-other').hidden = false;
      onClick($('inv-logout'), async () => {
        await api('POST', '/auth/logout');
        location.reload();
      }, $('inv-error'));
    }
    showState($('invitation'), 'invite.title');
  },

  async account() {
    let user = await session();
    if (!user) return go(location.hash === '#reset' ? '/login#reset' : '/login');
    const status = $('account-status');
    const render = () => {
      $('me-email').textContent = user.email;
      $('me-since').textContent = date(user.createdAt);
      $('me-orgs').replaceChildren(...(user.organizations.length
        ? user.organizations.map((o, i) => el('span', {}, i ? ', ' : '', el('span', { text: o.name }), ' (', el('span', { i18n: role(o.role) }), ')'))
        : [el('span', { i18n: ['account.no_orgs', {}] })]));
      const select = $('org-select');
      select.replaceChildren(
        el('option', { value: '', i18n: ['account.no_current', {}] }),
        ...user.organizations.map((o) => el('option', { value: o.id, text: o.name })),
      );
      select.value = user.currentOrganizationId || '';
      $('org-manage').hidden = !user.currentOrganizationId;
    };
    render();
    $('org-select').addEventListener('change', async () => {
      $('org-error').hidden = true;
      try {
        ({ user } = await api('POST', '/auth/current-organization', { organizationId: $('org-select').value || null }));
        render();
        put(status, 'account.switched');
      } catch (e) {
        showError($('org-error'), e);
      }
    });
    onSubmit($('org-form'), async (form) => {
      await api('POST', '/organizations', { name: form.elements.name.value.trim() });
      user = await session();
      form.reset();
      render();
      put(status, 'account.created');
    });
    onSubmit($('password-form'), async (form) => {
      await api('POST', '/auth/password', { currentPassword: form.elements.current.value, newPassword: form.elements.next.value });
      form.reset();
      put(status, 'account.password_changed');
    });
    onClick($('logout'), async () => {
      await api('POST', '/auth/logout');
      go('/login');
    }, $('org-error'));
    onClick($('logout-all'), async () => {
      await api('POST', '/auth/logout-all');
      go('/login');
    }, $('org-error'));
    onSubmit($('delete-form'), async (form) => {
      if (!confirm(t('account.delete_confirm'))) return;
      await api('DELETE', '/auth/me', { password: form.elements.password.value });
      go('/');
    });
    showState($('profile'), 'account.title');
  },

  async org() {
    const user = await session();
    if (!user) return go('/login');
    const current = user.organizations.find((o) => o.id === user.currentOrganizationId);
    if (!current) return showState($('no-org'), 'org.none_title');
    const base = `/organizations/${encodeURIComponent(current.id)}`;
    const admin = current.role === 'admin';
    const status = $('org-status');
    const error = $('org-error');
    const act = (button, handler) => onClick(button, async () => {
      await handler();
      await refresh();
    }, error);
    $('org-title').textContent = current.name;
    put($('org-role'), 'org.your_role', { role: { key: 'role.' + current.role } });
    $('not-admin').hidden = admin;
    $('admin').hidden = !admin;

    async function members() {
      const { members: list } = await api('GET', `${base}/members`);
      $('members').replaceChildren(...list.map((m) => {
        const self = m.userId === user.id;
        const actions = el('td');
        let roleCell = el('td', { i18n: role(m.role) });
        if (!self) {
          const select = el('select', { 'aria-label': t('org.role_of', { email: m.email }) },
            el('option', { value: 'member', i18n: role('member') }), el('option', { value: 'admin', i18n: role('admin') }));
          select.value = m.role;
          select.addEventListener('change', async () => {
            error.hidden = true;
            try {
              await api('PATCH', `${base}/members/${encodeURIComponent(m.userId)}`, { role: select.value });
              put(status, 'org.role_changed', { email: m.email });
            } catch (e) {
              showError(error, e);
              select.value = m.role;
            }
          });
          roleCell = el('td', {}, select);
          const remove = el('button', { type: 'button', class: 'danger', i18n: ['org.remove', {}] });
          act(remove, () => api('DELETE', `${base}/members/${encodeURIComponent(m.userId)}`));
          actions.append(remove);
        }
        return el('tr', {}, el('td', { text: m.email }), roleCell, el('td', { text: date(m.joinedAt) }), actions);
      }));
    }

    async function invites() {
      const { invites: list } = await api('GET', `${base}/invites`);
      $('invites').replaceChildren(...list.map((i) => {
        const revoke = el('button', { type: 'button', i18n: ['org.revoke', {}] });
        act(revoke, () => api('DELETE', `${base}/invites/${encodeURIComponent(i.id)}`));
        return el('li', {}, el('strong', { text: i.email }), ' ',
          el('span', { class: 'meta', i18n: ['org.invite_meta', { role: { key: 'role.' + i.role }, time: { time: i.expiresAt } }] }), ' ', revoke);
      }));
    }

    function showSecret(clientId, clientSecret) {
      $('new-client-id').value = clientId;
      $('new-client-secret').value = clientSecret;
      put($('copy-status'));
      $('new-secret').hidden = false;
      $('new-secret-title').focus();
    }

    async function identities() {
      const { identities: list } = await api('GET', `${base}/identities`);
      $('identities').replaceChildren(...list.map((identity) => {
        const path = `${base}/identities/${encodeURIComponent(identity.id)}`;
        const add = el('button', { type: 'button', i18n: ['org.add_secret', {}] });
        onClick(add, async () => {
          const made = await api('POST', `${path}/client-secrets`);
          await refresh();
          showSecret(identity.clientId, made.clientSecret);
        }, error);
        const remove = el('button', { type: 'button', class: 'danger', i18n: ['org.delete_identity', {}] });
        act(remove, () => api('DELETE', path));
        const secrets = el('ul', {}, ...identity.clientSecrets.map((s) => {
          const revoke = el('button', { type: 'button', i18n: ['org.revoke', {}] });
          act(revoke, () => api('DELETE', `${path}/client-secrets/${encodeURIComponent(s.id)}`));
          return el('li', {}, el('code', { text: `${s.hint}…` }), el('span', { class: 'meta', text: date(s.createdAt) }), revoke);
        }));
        return el('li', { 'data-identity': identity.id },
          el('strong', { text: identity.name }),
          el('div', { class: 'meta' }, el('span', { i18n: ['org.client_id', {}] }), ': ', el('code', { text: identity.clientId })),
          identity.clientSecrets.length ? secrets : el('p', { class: 'meta', i18n: ['org.no_secrets', {}] }),
          el('div', { class: 'actions' }, add, remove));
      }));
    }

    async function refresh() {
      // Only admins may list members, invitations and identities.
      if (admin) await Promise.all([members(), invites(), identities()]);
    }

    onSubmit($('invite-form'), async (form) => {
      const email = form.elements.email.value.trim();
      await api('POST', `${base}/invites`, { email, role: form.elements.role.value });
      form.reset();
      put(status, 'org.invited', { email });
      await invites();
    });
    onSubmit($('identity-form'), async (form) => {
      const made = await api('POST', `${base}/identities`, { name: form.elements.name.value.trim() });
      form.reset();
      await identities();
      showSecret(made.identity.clientId, made.clientSecret);
    });
    for (const [button, input] of [['copy-client-id', 'new-client-id'], ['copy-client-secret', 'new-client-secret']]) {
      $(button).addEventListener('click', async () => put($('copy-status'), (await copy($(input))) ? 'org.copied' : 'org.copy_by_hand'));
    }
    $('new-secret-done').addEventListener('click', () => {
      $('new-client-secret').value = '';
      $('new-secret').hidden = true;
    });
    await sharingSettings(base, admin, status);
    if (admin) await brandingSettings(base, status);
    onClick($('leave'), async () => {
      if (!confirm(t('org.leave_confirm', { org: current.name }))) return;
      await api('DELETE', `${base}/members/${encodeURIComponent(user.id)}`);
      go('/account');
    }, error);
    await refresh();
    showState($('org'), 'org.title');
    put(document.querySelector('title'), 'title.page', { title: current.name });
  },
};

/** The organization's sharing settings on its page: a form for admins, read-only for members. */
async function sharingSettings(base, admin, status) {
  const form = $('sharing-form');
  const { outside, password, lifetime, views } = form.elements;
  const render = (s) => {
    outside.checked = s.allowSecretSharingOutsideOrganization;
    password.checked = s.requireSharedSecretPassword;
    const seconds = s.maxSharedSecretLifetime == null ? '' : String(s.maxSharedSecretLifetime);
    if (![...lifetime.options].some((o) => o.value === seconds)) {
      lifetime.append(el('option', { value: seconds, i18n: ['org.sharing_seconds', { n: Number(seconds) }] }));
    }
    lifetime.value = seconds;
    views.value = s.maxSharedSecretViewLimit == null ? '' : String(s.maxSharedSecretViewLimit);
  };
  render(await api('GET', `${base}/secret-sharing`));
  for (const input of form.elements) input.disabled = !admin;
  $('sharing-readonly').hidden = admin;
  form.querySelector('.actions').hidden = !admin;
  if (!admin) return;
  onSubmit(form, async () => {
    const limit = views.value.trim();
    render(await api('PATCH', `${base}/secret-sharing`, {
      allowSecretSharingOutsideOrganization: outside.checked,
      requireSharedSecretPassword: password.checked,
      maxSharedSecretLifetime: lifetime.value ? Number(lifetime.value) : null,
      maxSharedSecretViewLimit: limit ? Number(limit) : null,
    }));
    put(status, 'org.sharing_saved');
  });
}

/** The organization's branding, for admins: colours and name as JSON, images as multipart uploads. */
async function brandingSettings(base, status) {
  const form = $('branding-form');
  const { displayName, primary, secondary, logo, favicon } = form.elements;
  const render = (b) => {
    displayName.value = b.displayName || '';
    primary.value = b.primaryColor || '';
    secondary.value = b.secondaryColor || '';
  };
  render(await api('GET', `${base}/branding`));
  $('branding').hidden = false;
  const upload = async (input, route) => {
    const file = input.files && input.files[0];
    if (!file) return;
    const body = new FormData();
    body.append('file', file, file.name);
    const response = await fetch(`/api/v1${base}/branding/${route}`, { method: 'POST', body, credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) {
      let json = null;
      try { json = await response.json(); } catch (e) { json = null; }
      throw Object.assign(new Error((json && json.message) || `HTTP ${response.status}`), { status: response.status, body: json });
    }
    input.value = '';
  };
  onSubmit(form, async () => {
    const value = (input) => input.value.trim() || null;
    render(await api('PATCH', `${base}/branding`, {
      displayName: value(displayName),
      primaryColor: value(primary),
      secondaryColor: value(secondary),
    }));
    await upload(logo, 'brand-logo');
    await upload(favicon, 'brand-favicon');
    put(status, 'org.branding_saved');
  });
  onClick($('brand-reset'), async () => {
    await api('DELETE', `${base}/branding`);
    render(await api('GET', `${base}/branding`));
    put(status, 'org.branding_reset_done');
  }, form.querySelector('.error'));
}

/** "My shares": one page of the user's live shares, each with its access log and a delete button. */
const PAGE = 25;
const OUTCOMES = ['viewed', 'not_allowed', 'password_required', 'wrong_password'];
function viewer(v) {
  if (v.type === 'user') return ['value', { value: v.email || v.id }];
  if (v.type === 'identity') return ['shares.who_identity', { id: v.id }];
  return [v.type === 'recipient' ? 'shares.who_recipient' : 'shares.who_anonymous', {}];
}

async function logTable(id) {
  const { events } = await api('GET', `/shared-secrets/${encodeURIComponent(id)}/access-log`);
  if (!events.length) return el('p', { class: 'meta', i18n: ['shares.log_empty', {}] });
  return el('div', { class: 'table' }, el('table', {},
    el('thead', {}, el('tr', {}, ...['shares.log_when', 'shares.log_outcome', 'shares.log_who', 'shares.log_burned']
      .map((key) => el('th', { scope: 'col', i18n: [key, {}] })))),
    el('tbody', {}, ...events.map((e) => el('tr', {},
      el('td', { i18n: when(e.at) }),
      el('td', { i18n: [OUTCOMES.includes(e.outcome) ? `shares.outcome_${e.outcome}` : 'value', { value: e.outcome }] }),
      el('td', { i18n: viewer(e.viewer || {}) }),
      el('td', { i18n: [e.burned ? 'shares.burned' : 'value', { value: '' }] }))))));
}

/** A trash can drawn in SVG (no icon font or image needed). */
function trashIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const path = document.createElementNS(ns, 'path');
  for (const [name, value] of [['viewBox', '0 0 16 16'], ['width', '14'], ['height', '14'], ['aria-hidden', 'true'], ['focusable', 'false']]) svg.setAttribute(name, value);
  path.setAttribute('d', 'M6 1h4l1 1h3v2H2V2h3zM3 5h10l-1 10H4zm3 2v6h1V7zm3 0v6h1V7z');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('fill-rule', 'evenodd');
  svg.append(path);
  return svg;
}

function shareRow(s, reload, error) {
  const name = s.name || '';
  const views = s.expiresAfterViews == null ? { key: 'views.unlimited' } : { key: 'value', args: { value: s.expiresAfterViews } };
  const access = s.recipientCount
    ? { key: s.allowExternalEmails ? 'shares.access_external' : 'shares.access_recipients', args: { n: s.recipientCount } }
    : { key: s.accessType === 'organization' ? 'shares.access_org' : 'shares.access_anyone' };
  const remove = el('button', { type: 'button', class: 'danger trash' }, trashIcon(), el('span', { i18n: ['shares.delete', {}] }));
  onClick(remove, async () => {
    if (!confirm(t('shares.delete_confirm', { name: name || s.id }))) return;
    await api('DELETE', `/shared-secrets/${encodeURIComponent(s.id)}`);
    await reload();
    put($('shares-status'), 'shares.deleted', { name: name || s.id });
  }, error);
  const log = el('details', { class: 'log' }, el('summary', { i18n: ['shares.log', {}] }));
  log.addEventListener('toggle', async () => {
    if (!log.open || log.dataset.loaded) return;
    log.dataset.loaded = '1';
    try {
      log.append(await logTable(s.id));
    } catch (e) {
      delete log.dataset.loaded;
      const p = el('p', { class: 'error' });
      showError(p, e);
      log.append(p);
    }
  });
  return el('li', { 'data-share': s.id },
    el('strong', name ? { text: name } : { i18n: ['shares.unnamed', {}] }), ' ', el('code', { class: 'meta', text: s.id }),
    el('div', { class: 'meta', i18n: ['shares.facts', { views, time: { time: s.expiresAt }, access }] }),
    el('div', { class: 'actions' }, remove), log);
}

pages.shares = async function shares() {
  const user = await session();
  if (!user) return go('/login');
  let offset = 0;
  const error = $('shares-error');
  async function load() {
    error.hidden = true;
    let page = await api('GET', `/shared-secrets?offset=${offset}&limit=${PAGE}`);
    if (!page.secrets.length && offset > 0) {
      offset = Math.max(0, offset - PAGE);
      page = await api('GET', `/shared-secrets?offset=${offset}&limit=${PAGE}`);
    }
    $('share-list').replaceChildren(...page.secrets.map((s) => shareRow(s, load, error)));
    $('shares-empty').hidden = page.totalCount > 0;
    $('pager').hidden = page.totalCount <= PAGE;
    $('prev').disabled = offset === 0;
    $('next').disabled = offset + PAGE >= page.totalCount;
    put($('page-of'), 'shares.page_of', { from: offset + 1, to: offset + page.secrets.length, total: page.totalCount });
  }
  for (const [button, step] of [['prev', -PAGE], ['next', PAGE]]) {
    $(button).addEventListener('click', () => {
      offset = Math.max(0, offset + step);
      load().catch((e) => showError(error, e));
    });
  }
  await load();
  showState($('shares'), 'shares.title');
};

ready
  .then(() => pages[page]())
  .catch((e) => {
    const loading = $('loading') || document.querySelector('main > section p');
    if (loading) {
      loading.hidden = false;
      loading.className = 'error';
      showError(loading, e);
    }
  });
