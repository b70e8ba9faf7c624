// Keys and users: create a scoped key (its secret shown exactly once, with a copy button), rotate, revoke; users and
// roles for admins. A member manages their own keys through /api/user/keys.
import { get, post, Session, isAdmin } from '../api';
import { button, copyText, field, fill, h, id, input, select, table, when } from '../dom';
import { attempt, badge, confirmAction, modal, pager, pageSize, screen, statusLine } from '../ui';

interface Key { key_id: string; masked: string; user_id: string; name: string; scopes: string[]; models: string[]; expires_at?: string; last_used_at?: string; revoked_at?: string; version: number }
interface User { id: string; display_name: string; email?: string; role: string; version: number; disabled_at?: string; disabled_reason?: string }

export function showSecretOnce(secret: string, what: string): void {
  const copy: HTMLButtonElement = button('Copy', () => void copyText(secret, copy), { class: 'primary', id: 'copy-secret' });
  modal('Your new key', h('div', { class: 'stack' },
    h('p', {}, `This is the secret of ${what}. It is shown only this once: copy it now and keep it somewhere safe.`),
    h('code', { class: 'secret', id: 'new-secret' }, secret), h('div', { class: 'actions' }, copy)));
}

export async function keys(main: HTMLElement, session: Session): Promise<void> {
  const admin = isAdmin(session);
  const canWrite = isAdmin(session, true);
  const base = admin ? '/api/admin/keys' : '/api/user/keys';
  const line = statusLine();
  const keyList = h('div', { id: 'key-list' });
  const userList = h('div', { id: 'user-list' });
  let users: User[] = [];

  let keysPage = 0;
  async function loadKeys(page = keysPage): Promise<void> {
    keysPage = page;
    const answer = await get<{ keys: Key[] }>(base);
    fill(keyList, table('Access keys', ['Name', 'Key', 'User', 'Scopes', 'Models', 'Expires', 'Last used', ''],
      answer.keys.slice(page * pageSize, (page + 1) * pageSize).map(k => {
        const revoked = Boolean(k.revoked_at);
        const rotate: HTMLButtonElement = button('Rotate', () => attempt(line, async () => {
          if (!(await confirmAction(`Rotate “${k.name}”? Its current secret stops working at once.`, 'Rotate'))) return;
          const rotated = await post(`${base}/${k.key_id}:rotate`, { expected_version: k.version });
          showSecretOnce(rotated.secret, `“${k.name}”`);
          await loadKeys();
        }, rotate), { class: 'ghost', disabled: revoked, 'aria-label': `Rotate ${k.name}` });
        const revoke: HTMLButtonElement = button('Revoke', () => attempt(line, async () => {
          if (!(await confirmAction(`Revoke “${k.name}”? Every application using it is refused from now on. This cannot be undone.`, 'Revoke key'))) return;
          await post(`${base}/${k.key_id}:revoke`, { reason: 'revoked in the console' });
          await loadKeys();
        }, revoke), { class: 'danger', disabled: revoked, 'aria-label': `Revoke ${k.name}` });
        return [k.name, h('code', {}, k.masked), id(k.user_id), k.scopes.join(', '), k.models.length ? k.models.join(', ') : 'all', when(k.expires_at), when(k.last_used_at),
          revoked ? `revoked ${when(k.revoked_at)}` : h('span', { class: 'buttons' }, rotate, revoke)];
      }), 'No keys yet: create one below.'),
      pager('Key pages', page, Math.ceil(answer.keys.length / pageSize), next => void attempt(line, () => loadKeys(next))));
  }

  let usersPage = 0;
  async function loadUsers(page = usersPage): Promise<void> {
    usersPage = page;
    users = (await get<{ users: User[] }>('/api/admin/users')).users;
    fill(userList, table('Users', ['Name', 'Id', 'Email', 'Role', 'Access'], users.slice(page * pageSize, (page + 1) * pageSize).map(u => {
      const role = select('role', ['member', 'admin', 'owner'], u.role, { 'aria-label': `Role of ${u.display_name}`, disabled: !canWrite || u.id === session.userId });
      role.addEventListener('change', () => void attempt(line, async () => {
        await post(`/api/admin/users/${encodeURIComponent(u.id)}:setRole`, { expected_version: u.version, role: role.value });
        line.ok(`${u.display_name} is now ${role.value}.`);
        await loadUsers();
      }));
      // Disabling refuses every key and token of the user until they are enabled again; nobody disables themselves.
      const disabled = Boolean(u.disabled_at);
      const toggle: HTMLButtonElement = button(disabled ? 'Enable' : 'Disable', () => attempt(line, async () => {
        if (!disabled && !(await confirmAction(`Disable ${u.display_name}? Every key and sign-in of theirs is refused until you enable them again.`, 'Disable user'))) return;
        await post(`/api/admin/users/${encodeURIComponent(u.id)}:${disabled ? 'enable' : 'disable'}`, disabled ? {} : { reason: 'disabled in the console' });
        line.ok(`${u.display_name} is ${disabled ? 'enabled' : 'disabled'}.`);
        await loadUsers();
      }, toggle), { class: disabled ? 'ghost' : 'danger', disabled: !canWrite || u.id === session.userId, 'aria-label': `${disabled ? 'Enable' : 'Disable'} ${u.display_name}` });
      const access = h('span', { class: 'buttons' }, disabled ? badge(`disabled ${when(u.disabled_at)}`, 'bad') : badge('active', 'ok'), toggle);
      return [u.display_name, id(u.id), u.email ?? '—', role, access];
    }), 'No users.'),
      pager('User pages', page, Math.ceil(users.length / pageSize), next => void attempt(line, () => loadUsers(next))));
    const picker = document.getElementById('key-user') as HTMLSelectElement | null;
    if (picker) fill(picker, users.map(u => h('option', { value: u.id, selected: u.id === session.userId }, `${u.display_name} (${u.role})`)));
  }

  const scopeBoxes = ['inference', 'admin:read', 'admin:write'].filter(scope => admin || scope === 'inference')
    .map(scope => h('label', {}, input('scopes', { type: 'checkbox', value: scope, checked: scope === 'inference' }), ` ${scope}`));
  const keyForm = h('form', { class: 'card stack', id: 'create-key', 'aria-label': 'Create a key' },
    h('h2', {}, 'Create a key'),
    admin ? field('For user', h('select', { name: 'user_id', id: 'key-user' })) : null,
    field('Name', input('name', { required: true, id: 'key-name', placeholder: 'laptop' })),
    h('fieldset', {}, h('legend', {}, 'Scopes'), scopeBoxes),
    field('Models (comma-separated patterns, empty: as your key)', input('models', { id: 'key-models', placeholder: 'demo/*, openai/*' })),
    field('Expires (optional)', input('expires_at', { type: 'date', id: 'key-expires' })),
    h('button', { type: 'submit', class: 'primary', disabled: admin && !canWrite }, 'Create key'));
  keyForm.addEventListener('submit', event => {
    event.preventDefault();
    const data = new FormData(keyForm);
    const models = String(data.get('models') ?? '').split(',').map(m => m.trim()).filter(Boolean);
    const expires = String(data.get('expires_at') ?? '');
    void attempt(line, async () => {
      const created = await post(base, {
        user_id: admin ? data.get('user_id') : undefined, name: data.get('name'), scopes: data.getAll('scopes'),
        models: models.length ? models : undefined, expires_at: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : undefined,
      });
      showSecretOnce(created.secret, `“${data.get('name')}”`);
      keyForm.reset();
      await loadKeys();
    }, keyForm.querySelector('button[type=submit]') as HTMLButtonElement);
  });

  const userForm = h('form', { class: 'card stack', id: 'create-user', 'aria-label': 'Add a user' },
    h('h2', {}, 'Add a user'),
    field('Display name', input('display_name', { required: true, id: 'user-name' })),
    field('Email (optional)', input('email', { type: 'email', id: 'user-email' })),
    field('Role', select('role', ['member', 'admin', 'owner'], 'member', { id: 'user-role' })),
    h('button', { type: 'submit', class: 'primary', disabled: !canWrite }, 'Add user'));
  userForm.addEventListener('submit', event => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(userForm).entries());
    void attempt(line, async () => {
      await post('/api/admin/users', { ...data, email: data.email || undefined });
      userForm.reset();
      await loadUsers();
    }, userForm.querySelector('button[type=submit]') as HTMLButtonElement);
  });

  screen(main, admin ? 'Keys & users' : 'My keys', admin ? 'Hub access keys and the users they belong to. A new key never gets more than the key you signed in with.' : 'Your own hub access keys.',
    line.element, keyList, admin ? h('div', { class: 'two' }, keyForm, userForm) : keyForm, admin ? userList : null);
  if (admin) await loadUsers();
  await loadKeys();
}
