// Billing: mode and settings, accounts with balances, grants and adjustments, transactions, and the ledger audit.
import { api, get, post, query, Session, isAdmin } from '../api';
import { button, field, fill, formValues, h, id, input, select, table, when } from '../dom';
import { attempt, confirmAction, pager, pageSize, screen, statusLine } from '../ui';

interface User { id: string; display_name: string; role: string }

export async function billing(main: HTMLElement, session: Session, refresh: () => Promise<void>): Promise<void> {
  const line = statusLine();
  const canWrite = isAdmin(session, true);
  const settingsHolder = h('div', {});
  const accounts = h('div', { id: 'accounts' });
  const transactions = h('div', { id: 'transactions' });
  const auditResult = h('div', { id: 'audit-result' });

  async function loadSettings(): Promise<void> {
    const { settings } = await get('/api/admin/billing/settings');
    const mode = select('mode', [['enterprise', 'Enterprise: billing off, usage tracked'], ['credits', 'Service provider: users pay in credits']], settings.mode, { id: 'billing-mode' });
    const form = h('form', { class: 'card stack', id: 'billing-settings', 'aria-label': 'Billing settings' },
      h('h2', {}, 'Mode and settings'),
      field('Mode', mode, 'Service provider mode: every user has a credit balance, each call is priced from its model’s rate, and a call the balance cannot pay is refused with 402 before any provider is called.'),
      h('div', { class: 'row' },
        field('Base credit price', input('base_credit_price', { value: settings.base_credit_price, inputmode: 'decimal' })),
        field('Profit margin %', input('profit_margin_percent', { value: settings.profit_margin_percent, inputmode: 'decimal' })),
        field('Currency prefix', input('currency_prefix', { value: settings.currency_prefix ?? '' }))),
      h('div', { class: 'row' },
        field('Grant for new users', input('new_user_grant', { value: settings.new_user_grant, inputmode: 'decimal' })),
        field('Payment link', input('payment_link', { value: settings.payment_link ?? '', type: 'url' })),
        field('Default hold tokens', input('default_hold_tokens', { value: settings.default_hold_tokens, type: 'number' }))),
      h('button', { type: 'submit', class: 'primary', disabled: !canWrite }, 'Save settings'),
      h('p', { class: 'hint' }, `Version ${settings.version}`));
    form.addEventListener('submit', event => {
      event.preventDefault();
      const v = formValues(form);
      void attempt(line, async () => {
        await api('PUT', '/api/admin/billing/settings', { ...v, default_hold_tokens: Number(v.default_hold_tokens), payment_link: v.payment_link || undefined, expected_version: settings.version });
        line.ok(`Saved: ${v.mode} mode.`);
        await refresh();
        await loadSettings();
      }, form.querySelector('button[type=submit]') as HTMLButtonElement);
    });
    fill(settingsHolder, form);
  }

  async function showTransactions(user: User, beforeVersion?: number): Promise<void> {
    const answer = await get(`/api/admin/credits/${encodeURIComponent(user.id)}/transactions${query({ limit: 50, before_version: beforeVersion })}`);
    const older = answer.next_before_version;
    fill(transactions, table(`Transactions of ${user.display_name}`, ['Version', 'Kind', 'Balance change', 'Held change', 'Source / reason / call', 'At'],
      (answer.transactions ?? []).map((t: any) => [String(t.version), t.kind, t.balance_change, t.held_change, t.source ?? t.reason ?? t.call_id ?? '', when(t.at)]),
      'No transaction yet.'),
      h('nav', { class: 'pager', 'aria-label': 'Transaction pages' },
        button('Newest', () => void attempt(line, () => showTransactions(user)), { class: 'ghost', disabled: beforeVersion === undefined }),
        button('Older', () => void attempt(line, () => showTransactions(user, older)), { class: 'ghost', disabled: !older })));
  }

  let accountsPage = 0;
  async function loadAccounts(page = accountsPage): Promise<void> {
    accountsPage = page;
    const { users } = await get<{ users: User[] }>('/api/admin/users');
    const shown = users.slice(page * pageSize, (page + 1) * pageSize);
    const rows = await Promise.all(shown.map(async user => {
      const { balance } = await get(`/api/admin/credits/${encodeURIComponent(user.id)}`);
      const amount = input('amount', { inputmode: 'decimal', placeholder: '100', 'aria-label': `Amount for ${user.display_name}`, class: 'narrow' });
      const grant: HTMLButtonElement = button('Grant', () => attempt(line, async () => {
        await post(`/api/admin/credits/${encodeURIComponent(user.id)}:grant`, { amount: amount.value, source: 'admin' });
        line.ok(`Granted ${amount.value} credits to ${user.display_name}.`);
        await refresh();
        await loadAccounts();
      }, grant), { disabled: !canWrite, 'aria-label': `Grant credits to ${user.display_name}` });
      const adjust: HTMLButtonElement = button('Adjust', () => attempt(line, async () => {
        const reason = prompt('Reason for the adjustment (recorded in the ledger):');
        if (!reason) return;
        if (amount.value.startsWith('-') && !(await confirmAction(`Remove ${amount.value.slice(1)} credits from ${user.display_name}?`, 'Remove credits'))) return;
        await post(`/api/admin/credits/${encodeURIComponent(user.id)}:adjust`, { amount: amount.value, reason });
        await loadAccounts();
      }, adjust), { disabled: !canWrite, class: 'ghost', 'aria-label': `Adjust credits of ${user.display_name}` });
      const history = button('Transactions', () => void attempt(line, () => showTransactions(user)), { class: 'ghost', 'aria-label': `Transactions of ${user.display_name}` });
      return [user.display_name, id(user.id), h('span', { class: 'balance', 'data-user': user.id }, `${balance.currency_prefix ?? ''}${balance.available}`), balance.held, balance.total_granted, balance.total_spent,
        h('span', { class: 'buttons' }, amount, grant, adjust, history)];
    }));
    fill(accounts, table('Accounts', ['User', 'Id', 'Available', 'Held', 'Granted', 'Spent', ''], rows, 'No users yet: create one under Keys & users.'),
      pager('Account pages', page, Math.ceil(users.length / pageSize), next => void attempt(line, () => loadAccounts(next))));
  }

  const runAudit: HTMLButtonElement = button('Run the ledger audit', () => attempt(line, async () => {
    const result = await post('/api/admin/credits:audit', {});
    fill(auditResult, h('p', { class: result.mismatches?.length ? 'status error' : 'status ok' },
      `${result.accounts_checked} accounts replayed from their ledgers: ${result.mismatches?.length ?? 0} mismatches, ${result.total_uncollected} uncollected.`));
  }, runAudit), { class: 'ghost' });

  screen(main, 'Billing', 'Who pays for calls: the company (enterprise) or each user from a credit balance (service provider).',
    line.element, settingsHolder, h('h2', {}, 'Credit accounts'), accounts, transactions, h('h2', {}, 'Audit'), runAudit, auditResult);
  await loadSettings();
  await loadAccounts();
}
