// The console's shell: sign-in, the navigation (only the screens the key may use), the theme, and a hash router.
import { ApiError, isAdmin, loadSession, Session, storedKey, storeKey } from './api';
import { button, field, fill, h } from './dom';
import { describe, forbidden, statusLine } from './ui';
import { beginSignIn, completeSignIn, OidcSettings, oidcSettings } from './oidc';
import { playground } from './screens/playground';
import { providers } from './screens/providers';
import { rates } from './screens/rates';
import { billing } from './screens/billing';
import { keys } from './screens/keys';
import { usage } from './screens/usage';
import { audit } from './screens/audit';
import { teams } from './screens/teams';
import { budgets } from './screens/budgets';

export interface Screen {
  path: string;
  title: string;
  /** Whether this session may use the screen: others are not shown. */
  allowed(session: Session): boolean;
  render(main: HTMLElement, session: Session, refresh: () => Promise<void>): Promise<void>;
}

const screens: Screen[] = [
  { path: 'playground', title: 'Playground', allowed: s => s.scopes.includes('inference'), render: playground },
  { path: 'providers', title: 'Providers', allowed: s => isAdmin(s), render: providers },
  { path: 'rates', title: 'Models & rates', allowed: s => isAdmin(s), render: rates },
  { path: 'billing', title: 'Billing', allowed: s => isAdmin(s), render: billing },
  { path: 'keys', title: 'Keys & users', allowed: () => true, render: keys },
  { path: 'teams', title: 'Teams', allowed: () => true, render: teams },
  { path: 'budgets', title: 'Budgets', allowed: () => true, render: budgets },
  { path: 'usage', title: 'Usage', allowed: () => true, render: usage },
  { path: 'audit', title: 'Audit trail', allowed: s => isAdmin(s), render: audit },
];

const root = document.getElementById('app') as HTMLElement;
let session: Session | null = null;

function applyTheme(theme: string | null): void {
  const chosen = theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  document.documentElement.dataset.theme = chosen;
  localStorage.setItem('aignehub.theme', chosen);
}

function themeToggle(): HTMLButtonElement {
  const toggle = button('', () => {
    applyTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark');
    toggle.textContent = label();
  }, { class: 'ghost', id: 'theme-toggle' });
  const label = () => (document.documentElement.dataset.theme === 'dark' ? 'Light theme' : 'Dark theme');
  toggle.textContent = label();
  return toggle;
}

let oidc: OidcSettings | null = null;

function signIn(message?: string): void {
  const status = statusLine();
  const key = h('input', { name: 'key', type: 'password', autocomplete: 'off', required: true, placeholder: 'ahk_…', spellcheck: 'false' });
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to AIGNE Hub'),
    h('p', {}, 'Paste a hub access key. On its first start the hub printed the owner key; it is also in ',
      h('code', {}, 'data/owner-key.txt'), '. The key is kept for this browser tab only.'),
    field('Access key', key),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    status.element,
    oidc ? h('div', { class: 'oidc' }, h('p', {}, 'Or sign in with your organisation’s account:'),
      button(`Sign in with ${new URL(oidc.authority).host}`, () => { beginSignIn(oidc!).catch(error => status.error(error)); }, { id: 'oidc-sign-in' })) : null);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    storeKey(key.value.trim());
    try {
      await start();
    } catch (error) {
      storeKey(null);
      status.error(error);
    }
  });
  fill(root, h('header', { class: 'topbar' }, h('span', { class: 'brand' }, 'AIGNE Hub'), themeToggle()), h('main', { id: 'main' }, form));
  if (message) status.error(message);
  key.focus();
}

async function start(): Promise<void> {
  session = await loadSession();
  if (!location.hash || location.hash === '#/') location.hash = `#/${screens.find(s => s.allowed(session!))!.path}`;
  await route();
}

function shell(active: Screen): HTMLElement {
  const s = session!;
  const main = h('main', { id: 'main' });
  const nav = h('nav', { 'aria-label': 'Console' },
    h('ul', {}, screens.filter(screen => screen.allowed(s)).map(screen =>
      h('li', {}, h('a', { href: `#/${screen.path}`, 'aria-current': screen === active ? 'page' : null }, screen.path === 'keys' && !isAdmin(s) ? 'My keys' : screen.title)))));
  fill(root,
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('header', { class: 'topbar' },
      h('span', { class: 'brand' }, 'AIGNE Hub'),
      h('span', { class: 'who', id: 'who' }, `${s.name} · ${s.role}`, s.creditsMode && s.balance !== undefined ? ` · ${s.creditPrefix}${s.balance} credits` : ''),
      themeToggle(),
      button('Sign out', () => { storeKey(null); session = null; location.hash = ''; signIn(); }, { class: 'ghost', id: 'sign-out' })),
    h('div', { class: 'layout' }, nav, main));
  return main;
}

async function refreshSession(): Promise<void> {
  session = await loadSession();
  const who = document.getElementById('who');
  if (who) who.textContent = `${session.name} · ${session.role}${session.creditsMode && session.balance !== undefined ? ` · ${session.creditPrefix}${session.balance} credits` : ''}`;
}

async function route(): Promise<void> {
  if (!session) return;
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  const screen = screens.find(s => s.path === path);
  if (!screen || !screen.allowed(session)) {
    const main = shell(screens[0]);
    fill(main, h('h1', {}, 'Not here'), h('p', {}, screen ? 'Your key may not use this screen.' : 'There is no such screen.'), h('p', {}, h('a', { href: '#/usage' }, 'Go to usage')));
    return;
  }
  document.title = `${screen.title} · AIGNE Hub`;
  const main = shell(screen);
  try {
    await screen.render(main, session, refreshSession);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { storeKey(null); session = null; signIn(error.advice); return; }
    if (error instanceof ApiError && error.status === 403) { forbidden(main, screen.title, error); return; }
    fill(main, h('h1', {}, screen.title), h('p', { class: 'status error', role: 'alert' }, describe(error)));
  }
}

async function boot(): Promise<void> {
  oidc = await oidcSettings();
  try {
    const token = await completeSignIn(oidc);
    if (token) storeKey(token);
  } catch (error) {
    signIn(describe(error));
    return;
  }
  if (storedKey()) {
    await start().catch(error => { storeKey(null); signIn(describe(error)); });
  } else {
    signIn();
  }
}

applyTheme(localStorage.getItem('aignehub.theme'));
window.addEventListener('hashchange', () => { void route(); });
void boot();
