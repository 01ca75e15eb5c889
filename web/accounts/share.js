// share.js — the share page's controls for a member of an organization: e-mail recipients (a keyless, password-only secret), outside recipients, and a mail when it is viewed.
import { extend, put } from '/js/i18n.js';
import { extra } from '/js/create.js';

const $ = (id) => document.getElementById(id);
const MAX_RECIPIENTS = 100;

/** A new element; `i18n` as [key, args]. */
function el(tag, { i18n, ...attrs } = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (i18n) put(node, ...i18n);
  node.append(...children);
  return node;
}

const check = (id, key) => el('p', { class: 'check' }, el('input', { id, type: 'checkbox' }), el('label', { for: id, i18n: [key, {}] }));

await extend('zkshare-i18n-accounts');

const password = $('password');
const orgOnly = $('org-only');
const why = el('p', { id: 'password-why', class: 'hint', hidden: '', i18n: ['share.password_why', {}] });
password.after(why);
$('org-only').closest('p').after(el('div', { id: 'recipients-block' },
  el('label', { for: 'recipients' }, el('span', { i18n: ['share.recipients', {}] }), ' ', el('span', { class: 'hint', i18n: ['share.recipients_hint', {}] })),
  el('textarea', { id: 'recipients', rows: '2', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'recipients-note' }),
  el('p', { id: 'recipients-note', class: 'hint', i18n: ['share.recipients_note', {}] }),
  check('allow-external', 'share.external'),
  check('notify', 'share.notify')));
const mailed = el('p', { id: 'mailed', class: 'summary', hidden: '' });
$('summary').after(mailed);

const recipients = $('recipients');
password.addEventListener('input', () => password.removeAttribute('aria-invalid'));
const external = $('allow-external');
const list = () => recipients.value.split(/[\s,;]+/).filter(Boolean);

// "Only my organization" and "recipients outside it" exclude each other: while one is on, the
// other is off and cannot be chosen.
function sync() {
  if (orgOnly.checked) external.checked = false;
  external.disabled = orgOnly.checked;
  orgOnly.disabled = external.checked;
  const keyless = list().length > 0;
  why.hidden = !keyless;
  password.required = keyless;
}
for (const input of [orgOnly, external, recipients]) input.addEventListener(input === recipients ? 'input' : 'change', sync);
$('create-form').addEventListener('reset', () => setTimeout(sync));
sync();

extra.fields = () => {
  const emails = list();
  const fields = {};
  if (emails.length > MAX_RECIPIENTS) {
    recipients.focus();
    throw ['share.too_many', { n: emails.length, max: MAX_RECIPIENTS }];
  }
  if (emails.length) {
    if (!password.value) {
      password.setAttribute('aria-invalid', 'true');
      password.focus();
      throw ['share.password_needed', {}];
    }
    fields.authorizedEmails = emails;
    if (external.checked) fields.allowExternalEmails = true;
  }
  if ($('notify').checked) fields.notifyOnView = true;
  return fields;
};

extra.created = (share) => {
  mailed.hidden = !share.recipientCount;
  if (share.recipientCount) put(mailed, 'share.mailed', { n: share.recipientCount });
  password.removeAttribute('aria-invalid');
};
