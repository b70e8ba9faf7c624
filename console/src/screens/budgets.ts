// Spend budgets: what calls may cost per period, in US dollars, for the hub, a user, a key or a team, with what each
// has left in its current window and when it resets. Admins list, set and delete every budget; anyone else sees the
// budgets that limit their own calls (GET /api/budgets).
import { api, get, post, Session, isAdmin } from '../api';
import { button, field, fill, formValues, h, id, input, select, table, when } from '../dom';
import { attempt, confirmAction, screen, statusLine } from '../ui';

interface Budget {
  id: string; scope: string; subject_id: string; limit_usd: string; soft_limit_usd?: string; period: string;
  window_start: string; spent_usd: string; reserved_usd: string; remaining_usd: string; resets_at?: string;
}

export async function budgets(main: HTMLElement, session: Session): Promise<void> {
  const admin = isAdmin(session);
  const canWrite = isAdmin(session, true);
  const line = statusLine();
  const list = h('div', { id: 'budget-list' });

  async function load(): Promise<void> {
    const answer = await get<{ budgets?: Budget[] }>(admin ? '/api/admin/budgets' : '/api/budgets');
    const headers = ['Budget', 'Scope', 'Subject', 'Period', 'Limit', 'Soft threshold', 'Spent', 'Reserved', 'Remaining', 'Resets', ''];
    fill(list, table(admin ? 'Spend budgets' : 'Budgets that limit your calls', admin ? headers : headers.slice(0, -1), (answer.budgets ?? []).map(b => {
      const cells: (HTMLElement | string)[] = [id(b.id), b.scope, b.subject_id ? id(b.subject_id) : '—', b.period, `$${b.limit_usd}`,
        b.soft_limit_usd ? `$${b.soft_limit_usd}` : '—', `$${b.spent_usd}`, `$${b.reserved_usd}`,
        h('span', { class: 'remaining', 'data-budget': b.id }, `$${b.remaining_usd}`), b.resets_at ? when(b.resets_at) : 'never'];
      if (admin) {
        const remove: HTMLButtonElement = button('Delete', () => attempt(line, async () => {
          if (!(await confirmAction(`Delete the budget ${b.id}? Its calls are no longer limited by it.`, 'Delete budget'))) return;
          await api('DELETE', `/api/admin/budgets/${encodeURIComponent(b.id)}`);
          line.ok(`Deleted the budget ${b.id}.`);
          await load();
        }, remove), { class: 'danger', disabled: !canWrite, 'aria-label': `Delete budget ${b.id}` });
        cells.push(remove);
      }
      return cells;
    }), admin ? 'No budgets yet: set one below.' : 'No budget limits your calls.'));
  }

  const scope = select('scope', [['hub', 'Hub (every call)'], ['user', 'User'], ['key', 'Access key'], ['team', 'Team']], 'key', { id: 'budget-scope' });
  const subject = input('subject_id', { id: 'budget-subject', placeholder: 'user, key or team id' });
  scope.addEventListener('change', () => { subject.disabled = scope.value === 'hub'; });
  const form = h('form', { class: 'card stack', id: 'set-budget', 'aria-label': 'Set a budget' },
    h('h2', {}, 'Set a budget'),
    h('div', { class: 'row' }, field('Scope', scope), field('Subject id', subject)),
    h('div', { class: 'row' },
      field('Limit (USD)', input('limit_usd', { required: true, inputmode: 'decimal', id: 'budget-limit', placeholder: '10' })),
      field('Soft threshold (USD, optional)', input('soft_limit_usd', { inputmode: 'decimal', id: 'budget-soft' })),
      field('Period', select('period', ['minute', 'hour', 'day', 'week', 'month', 'none'], 'day', { id: 'budget-period' }))),
    h('p', { class: 'hint' }, 'The subject id is empty for the hub’s budget; setting a subject’s budget again replaces it. Reaching the soft threshold writes an audit entry and notifies the budget webhook.'),
    h('button', { type: 'submit', class: 'primary', disabled: !canWrite }, 'Set budget'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const v = formValues(form);
    void attempt(line, async () => {
      const status = await post<Budget>('/api/admin/budgets', {
        scope: v.scope, subject_id: v.scope === 'hub' ? '' : v.subject_id, limit_usd: v.limit_usd, soft_limit_usd: v.soft_limit_usd || undefined, period: v.period,
      });
      line.ok(`Budget ${status.id}: $${status.remaining_usd} of $${status.limit_usd} left${status.resets_at ? `, resets ${when(status.resets_at)}` : ''}.`);
      form.reset();
      subject.disabled = false;
      await load();
    }, form.querySelector('button[type=submit]') as HTMLButtonElement);
  });

  screen(main, 'Budgets', 'Limits in US dollars on what calls may cost per period, in both billing modes. A call a budget cannot pay for is refused with 402 before any provider is called.',
    line.element, list, admin ? form : null);
  await load();
}
