// Teams: the teams the key may see (every team for hub admins), a team's members and keys, its spend budget. A hub
// admin creates teams; a team's admin manages that team's members, keys and budget (the hub refuses the rest, 403).
import { get, post, Session, isAdmin } from '../api';
import { field, fill, formValues, h, id, input, select, table, button } from '../dom';
import { attempt, screen, statusLine } from '../ui';
import { showSecretOnce } from './keys';

interface Member { user_id: string; role: string }
interface Team { id: string; name: string; version: number; members: Member[]; key_ids: string[] }
interface User { id: string; display_name: string }

export async function teams(main: HTMLElement, session: Session): Promise<void> {
  const admin = isAdmin(session);
  const canCreate = isAdmin(session, true);
  const line = statusLine();
  const list = h('div', { id: 'team-list' });
  const detail = h('div', { id: 'team-detail' });
  // Only hub admins may list users; a team admin names a user by id.
  const users: User[] = admin ? (await get<{ users: User[] }>('/api/admin/users')).users : [];
  const nameOf = (userId: string) => users.find(u => u.id === userId)?.display_name ?? userId;
  let shown: string | null = null;

  async function loadTeams(): Promise<void> {
    const answer = await get<{ teams?: Team[] }>('/api/teams');
    const all = answer.teams ?? [];
    fill(list, table('Teams', ['Name', 'Id', 'Members', 'Keys', ''], all.map(t => [
      t.name, id(t.id), String(t.members?.length ?? 0), String(t.key_ids?.length ?? 0),
      button('Open', () => void attempt(line, () => showTeam(t.id)), { class: 'ghost', 'aria-label': `Open team ${t.name}` }),
    ]), admin ? 'No teams yet: create one below.' : 'You are not a member of any team.'));
    if (shown && all.some(t => t.id === shown)) await showTeam(shown);
  }

  async function showTeam(teamId: string): Promise<void> {
    shown = teamId;
    const team = await get<Team>(`/api/teams/${encodeURIComponent(teamId)}`);
    const members = team.members ?? [];
    const base = `/api/teams/${encodeURIComponent(team.id)}`;

    const memberRows = members.map(m => [nameOf(m.user_id), id(m.user_id), m.role,
      button('Remove', () => void attempt(line, async () => {
        await post(`${base}/members`, { user_id: m.user_id, remove: true });
        line.ok(`${nameOf(m.user_id)} left ${team.name}.`);
        await loadTeams();
      }), { class: 'danger', 'aria-label': `Remove ${nameOf(m.user_id)} from ${team.name}` })]);

    const memberForm = h('form', { class: 'card stack', id: 'team-member', 'aria-label': 'Add a member' },
      h('h3', {}, 'Add a member or change a role'),
      field('User', admin
        ? select('user_id', users.map(u => [u.id, u.display_name] as [string, string]), undefined, { id: 'team-member-user' })
        : input('user_id', { required: true, id: 'team-member-user', placeholder: 'user id' })),
      field('Team role', select('role', ['member', 'admin'], 'member', { id: 'team-member-role' })),
      h('button', { type: 'submit', class: 'primary' }, 'Save member'));
    memberForm.addEventListener('submit', event => {
      event.preventDefault();
      const v = formValues(memberForm);
      void attempt(line, async () => {
        await post(`${base}/members`, { user_id: v.user_id, role: v.role });
        line.ok(`${nameOf(v.user_id)} is now ${v.role} of ${team.name}.`);
        await loadTeams();
      }, memberForm.querySelector('button[type=submit]') as HTMLButtonElement);
    });

    const keyForm = h('form', { class: 'card stack', id: 'team-key', 'aria-label': 'Create a team key' },
      h('h3', {}, 'Create a team key'),
      // A team's admin issues team keys to themselves only (the key spends its owner's credits); a hub admin to any member.
      field('For member', select('user_id', members.filter(m => canCreate || m.user_id === session.userId)
        .map(m => [m.user_id, nameOf(m.user_id)] as [string, string]), undefined, { id: 'team-key-user' })),
      field('Name', input('name', { required: true, id: 'team-key-name', placeholder: 'ci pipeline' })),
      field('Models (comma-separated patterns, empty: as your key)', input('models', { id: 'team-key-models', placeholder: 'demo/*' })),
      h('button', { type: 'submit', class: 'primary', disabled: members.length === 0 }, 'Create team key'));
    keyForm.addEventListener('submit', event => {
      event.preventDefault();
      const v = formValues(keyForm);
      const models = (v.models ?? '').split(',').map(m => m.trim()).filter(Boolean);
      void attempt(line, async () => {
        const created = await post(`${base}/keys`, { user_id: v.user_id, name: v.name, scopes: ['inference'], models: models.length ? models : undefined });
        showSecretOnce(created.secret, `“${v.name}” of ${team.name}`);
        keyForm.reset();
        await loadTeams();
      }, keyForm.querySelector('button[type=submit]') as HTMLButtonElement);
    });

    const budgetForm = h('form', { class: 'card stack', id: 'team-budget', 'aria-label': 'Team budget' },
      h('h3', {}, 'Spend budget'),
      h('div', { class: 'row' },
        field('Limit (USD)', input('limit_usd', { required: true, inputmode: 'decimal', id: 'team-budget-limit', placeholder: '50' })),
        field('Soft threshold (USD, optional)', input('soft_limit_usd', { inputmode: 'decimal', id: 'team-budget-soft' })),
        field('Period', select('period', ['minute', 'hour', 'day', 'week', 'month', 'none'], 'month', { id: 'team-budget-period' }))),
      h('button', { type: 'submit', class: 'primary' }, 'Set team budget'),
      h('p', { class: 'hint' }, 'Limits what the calls of every key of the team may cost; see the Budgets screen for what is left.'));
    budgetForm.addEventListener('submit', event => {
      event.preventDefault();
      const v = formValues(budgetForm);
      void attempt(line, async () => {
        const status = await post(`${base}/budget`, { budget: { limit_usd: v.limit_usd, soft_limit_usd: v.soft_limit_usd || undefined, period: v.period } });
        line.ok(`${team.name}'s budget: $${status.remaining_usd} of $${status.limit_usd} left.`);
      }, budgetForm.querySelector('button[type=submit]') as HTMLButtonElement);
    });

    fill(detail, h('section', { class: 'card stack', 'data-team': team.id, 'aria-label': `Team ${team.name}` },
      h('h2', {}, `Team ${team.name}`),
      table(`Members of ${team.name}`, ['Name', 'Id', 'Team role', ''], memberRows, 'No members yet.'),
      table(`Keys of ${team.name}`, ['Key id'], (team.key_ids ?? []).map(k => [h('code', {}, k)]), 'No team keys yet.'),
      h('div', { class: 'two' }, memberForm, keyForm),
      budgetForm));
  }

  const createForm = h('form', { class: 'card stack', id: 'create-team', 'aria-label': 'Create a team' },
    h('h2', {}, 'Create a team'),
    field('Team name', input('name', { required: true, id: 'team-name', maxlength: 100 })),
    h('button', { type: 'submit', class: 'primary', disabled: !canCreate }, 'Create team'));
  createForm.addEventListener('submit', event => {
    event.preventDefault();
    const v = formValues(createForm);
    void attempt(line, async () => {
      const created = await post<Team>('/api/admin/teams', { name: v.name });
      line.ok(`Created team ${created.name}.`);
      createForm.reset();
      shown = created.id;
      await loadTeams();
    }, createForm.querySelector('button[type=submit]') as HTMLButtonElement);
  });

  screen(main, 'Teams', admin
    ? 'Teams group users and their own keys; usage, reports and spend budgets can be kept per team. A team’s admin manages that team only.'
    : 'The teams you belong to. A team’s admin manages its members, keys and budget.',
    line.element, list, admin ? createForm : null, detail);
  await loadTeams();
}
