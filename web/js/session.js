// session.js — the share and reveal pages' header link: "Sign in", or the signed-in address and organization.
const link = document.getElementById('session');

/** Resolves to the signed-in user's profile, or null. */
export const me = fetch('/api/v1/auth/session', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
  .then((r) => (r.ok ? r.json() : {})).then((b) => b.user || null).catch(() => null);

/** Resolves to the user's current organization ({id, name, role}), or null. */
export const org = me.then((user) => (user && user.organizations.find((o) => o.id === user.currentOrganizationId)) || null);

Promise.all([me, org]).then(([user, current]) => {
  if (!user || !link) return;
  delete link.dataset.i18n;
  link.i18n = null;
  link.textContent = current ? `${user.email} · ${current.name}` : user.email;
  link.href = '/account';
  for (const el of document.querySelectorAll('[data-org-name]')) el.textContent = current ? current.name : '';
  for (const el of document.querySelectorAll('[data-if-org]')) el.hidden = !current;
});
