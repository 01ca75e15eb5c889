// brand.js — an organization's branding on its pages: the logo, favicon, name and colours, applied as data (never as script or inline style).
// The colours come as a same-origin stylesheet of CSS custom properties (/branding/{org}/theme.css),
// the images from same-origin routes; names are set as text. This file is the same for every
// organization, so the published hashes hold on a branded page too.
import { t } from '/js/i18n.js';

let applied = null;

/** Loads and applies the branding of organization `orgId` once; resolves to whether it had any. */
export function brand(orgId) {
  if (!applied) applied = apply(orgId).catch(() => false);
  return applied;
}

async function apply(orgId) {
  if (!/^[0-9a-f-]{36}$/.test(orgId || '')) return false;
  const response = await fetch(`/api/v1/branding/${orgId}`, { headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
  if (!response.ok) return false;
  const b = await response.json();
  // An organization without branding looks like any other page.
  if (!b.displayName && !b.primaryColor && !b.secondaryColor && !b.logoUrl && !b.faviconUrl) return false;
  const sameOrigin = (url) => typeof url === 'string' && url.startsWith('/branding/');
  const root = document.documentElement;

  const sheet = document.createElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = `/branding/${orgId}/theme.css`;
  document.head.append(sheet);
  root.classList.add('branded');
  // Each colour is used only when set: the page keeps its own otherwise.
  root.classList.toggle('brand-primary', !!b.primaryColor);
  root.classList.toggle('brand-secondary', !!b.secondaryColor);

  // The heading: the organization's logo and name instead of zkshare's.
  const heading = document.querySelector('header h1');
  if (heading) {
    heading.textContent = '';
    heading.classList.add('brand-band');
    if (sameOrigin(b.logoUrl)) {
      const logo = document.createElement('img');
      logo.src = b.logoUrl;
      logo.alt = b.displayName ? '' : t('brand.logo');
      heading.append(logo);
    }
    if (b.displayName) {
      const name = document.createElement('span');
      name.textContent = b.displayName;
      heading.append(name);
    }
  }
  if (sameOrigin(b.faviconUrl)) {
    for (const icon of document.querySelectorAll('link[rel="icon"]')) {
      icon.removeAttribute('type');
      icon.href = b.faviconUrl;
    }
  }
  // The footer keeps one small way to check the page: the published hashes of its code.
  const hashes = document.querySelector('footer a[href="/hashes"]');
  if (hashes) {
    hashes.href = '/assets.json';
    hashes.dataset.i18n = 'brand.verify';
    hashes.textContent = t('brand.verify');
  }
  // The window title names the organization, whatever state the page is in.
  const name = b.displayName || '';
  const retitle = () => {
    const title = document.querySelector('title');
    const text = title.textContent.replace(/zkshare/g, name).replace(/^\s*[—-]\s*|\s*[—-]\s*$/g, '');
    if (text !== title.textContent) title.textContent = text;
  };
  retitle();
  new MutationObserver(retitle).observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
  return true;
}
