// Providers: registered providers with their status and credentials (masked), + Add provider, enable/disable,
// test now, weights, and re-encrypting stored secrets with the active key of the ring.
import { api, get, post, Session, isAdmin } from '../api';
import { button, field, fill, h, input, select, table, when } from '../dom';
import { attempt, badge, confirmAction, modal, screen, statusLine } from '../ui';

const known = ['openai', 'anthropic', 'bedrock', 'google', 'deepseek', 'ollama', 'openrouter', 'xai', 'doubao', 'poe'];

interface Credential {
  id: string; name: string; kind: string; weight: number; masked_secret: string; enabled: boolean;
  disabled_reason?: string; last_tested_at?: string; last_test_ok?: boolean; last_error?: string;
}
interface Provider { provider: string; display_name?: string; base_url?: string; region?: string; enabled: boolean; version: number; credentials: Credential[] }

/** connected: enabled with a working credential; failing: its credentials' last checks failed; disabled; no key. */
function status(provider: Provider): HTMLElement {
  if (!provider.enabled) return badge('disabled', 'muted');
  const usable = provider.credentials.filter(c => c.enabled);
  if (usable.length === 0) return badge('no usable key', 'warn');
  if (usable.some(c => c.last_test_ok !== false)) return badge('connected', 'ok');
  const lastError = usable.find(c => c.last_error)?.last_error ?? 'the last check failed';
  return h('span', {}, badge('failing', 'bad'), ' ', h('small', {}, lastError));
}

function addProviderDialog(existing: string[], done: () => void): void {
  const status = statusLine();
  const choices = known.filter(name => !existing.includes(name));
  const provider = select('provider', choices, choices[0], { id: 'new-provider' });
  const displayName = input('display_name', { id: 'new-display-name' });
  const baseUrl = input('base_url', { id: 'new-base-url', type: 'url', placeholder: 'the provider’s public endpoint' });
  const region = input('region', { id: 'new-region', placeholder: 'us-east-1' });
  const keyName = input('name', { id: 'new-key-name', value: 'main', required: true });
  const apiKey = input('api_key', { id: 'new-api-key', type: 'password', autocomplete: 'off' });
  const accessKeyId = input('access_key_id', { id: 'new-access-key-id', autocomplete: 'off' });
  const secretAccessKey = input('secret_access_key', { id: 'new-secret-access-key', type: 'password', autocomplete: 'off' });
  const bedrockOnly = h('div', {}, field('Region', region), field('Access key id', accessKeyId), field('Secret access key', secretAccessKey));
  const keyOnly = field('API key', apiKey, 'Stored encrypted; shown masked afterwards. Leave empty to add keys later (ollama needs none).');
  const sync = () => { const bedrock = provider.value === 'bedrock'; bedrockOnly.hidden = !bedrock; keyOnly.hidden = bedrock; };
  provider.addEventListener('change', sync);
  sync();
  const form = h('form', { class: 'stack' },
    field('Provider', provider), field('Display name (optional)', displayName), field('Base URL (optional; required for ollama)', baseUrl),
    keyOnly, bedrockOnly, field('Key name', keyName), status.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add provider')));
  const dialog = modal('Add provider', form);
  form.addEventListener('submit', event => {
    event.preventDefault();
    void attempt(status, async () => {
      const registered = await post<{ provider: Provider }>('/api/admin/providers', {
        provider: provider.value, display_name: displayName.value || undefined, base_url: baseUrl.value || undefined, region: region.value || undefined,
      });
      const bedrock = provider.value === 'bedrock';
      if ((bedrock && accessKeyId.value) || (!bedrock && apiKey.value)) {
        await post(`/api/admin/providers/${provider.value}/credentials`, {
          expected_version: registered.provider.version, name: keyName.value,
          ...(bedrock ? { access_key_id: accessKeyId.value, secret_access_key: secretAccessKey.value } : { api_key: apiKey.value }),
        });
      }
      dialog.close();
      done();
    }, form.querySelector('button[type=submit]') as HTMLButtonElement);
  });
}

function addCredentialDialog(provider: Provider, done: () => void): void {
  const status = statusLine();
  const bedrock = provider.provider === 'bedrock';
  const name = input('name', { required: true });
  const weight = input('weight', { type: 'number', min: 1, max: 1000, value: 1 });
  const secrets = bedrock
    ? [field('Access key id', input('access_key_id', { required: true, autocomplete: 'off' })), field('Secret access key', input('secret_access_key', { type: 'password', required: true, autocomplete: 'off' }))]
    : [field('API key', input('api_key', { type: 'password', required: true, autocomplete: 'off' }))];
  const form = h('form', { class: 'stack' }, field('Name', name), ...secrets, field('Weight (share of calls)', weight), status.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add key')));
  const dialog = modal(`Add a key to ${provider.provider}`, form);
  form.addEventListener('submit', event => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    void attempt(status, async () => {
      await post(`/api/admin/providers/${provider.provider}/credentials`, { expected_version: provider.version, ...values, weight: Number(values.weight) });
      dialog.close();
      done();
    });
  });
}

export async function providers(main: HTMLElement, session: Session): Promise<void> {
  const list = h('div', { id: 'provider-list' });
  const line = statusLine();
  const canWrite = isAdmin(session, true);

  async function load(): Promise<void> {
    const { providers } = await get<{ providers: Provider[] }>('/api/admin/providers');
    const act = (trigger: HTMLButtonElement, action: () => Promise<unknown>) => attempt(line, async () => { await action(); await load(); }, trigger);
    fill(list, providers.length === 0
      ? h('p', { class: 'empty' }, 'No provider is registered yet. Choose “+ Add provider” and paste a key; the demo provider (demo/echo) needs none.')
      : providers.map(p => {
        const base = `/api/admin/providers/${p.provider}`;
        const toggle: HTMLButtonElement = button(p.enabled ? 'Disable' : 'Enable', () => act(toggle, async () => {
          if (p.enabled && !(await confirmAction(`Disable ${p.provider}? Calls stop going to it until you enable it again.`, 'Disable'))) return;
          await post(`${base}:${p.enabled ? 'disable' : 'enable'}`, { expected_version: p.version });
        }), { disabled: !canWrite, 'aria-label': `${p.enabled ? 'Disable' : 'Enable'} ${p.provider}` });
        const rows = p.credentials.map(c => {
          const test: HTMLButtonElement = button('Test now', () => act(test, () => post(`${base}/credentials/${c.id}:test`, {})), { disabled: !canWrite, 'aria-label': `Test ${c.name}` });
          const onOff: HTMLButtonElement = button(c.enabled ? 'Disable' : 'Enable', () => act(onOff, () =>
            post(`${base}/credentials/${c.id}:${c.enabled ? 'disable' : 'enable'}`, { expected_version: p.version })), { disabled: !canWrite, 'aria-label': `${c.enabled ? 'Disable' : 'Enable'} ${c.name}` });
          const weight = input('weight', { type: 'number', min: 1, max: 1000, value: c.weight, 'aria-label': `Weight of ${c.name}`, class: 'narrow', disabled: !canWrite });
          weight.addEventListener('change', () => void attempt(line, async () => {
            await api('PATCH', `${base}/credentials/${c.id}`, { expected_version: p.version, weight: Number(weight.value) });
            await load();
          }));
          const remove: HTMLButtonElement = button('Remove', () => act(remove, async () => {
            if (!(await confirmAction(`Remove the key “${c.name}” of ${p.provider}? The hub forgets it; this cannot be undone.`, 'Remove key'))) return;
            await api('DELETE', `${base}/credentials/${c.id}?expected_version=${p.version}`);
          }), { class: 'danger', disabled: !canWrite, 'aria-label': `Remove ${c.name}` });
          const check = c.last_tested_at === undefined ? badge('not checked', 'muted')
            : c.last_test_ok ? badge('ok', 'ok') : h('span', {}, badge('failed', 'bad'), ' ', h('small', {}, c.last_error ?? ''));
          return [c.name, h('code', {}, c.masked_secret), weight, c.enabled ? 'enabled' : `disabled${c.disabled_reason ? ` (${c.disabled_reason})` : ''}`,
            h('span', {}, check, ' ', h('small', {}, when(c.last_tested_at))), h('span', { class: 'buttons' }, test, onOff, remove)];
        });
        return h('section', { class: 'card provider', 'data-provider': p.provider, 'aria-label': p.provider },
          h('div', { class: 'card-head' },
            h('h2', {}, p.display_name ?? p.provider, ' ', h('small', {}, p.provider)),
            h('span', { class: 'provider-status' }, status(p)), toggle,
            button('+ Add key', () => addCredentialDialog(p, () => void load()), { disabled: !canWrite, 'aria-label': `Add a key to ${p.provider}` })),
          h('p', { class: 'hint' }, `Base URL: ${p.base_url ?? 'the provider’s default'}${p.region ? ` · region ${p.region}` : ''} · version ${p.version}`),
          table(`Keys of ${p.provider}`, ['Name', 'Key', 'Weight', 'State', 'Last check', ''], rows, 'No key yet: add one with “+ Add key”.'));
      }));
  }

  const rotate: HTMLButtonElement = button('Re-encrypt secrets with the active key', () => attempt(line, async () => {
    const preview = await post('/api/admin/secrets:rotate', { dry_run: true });
    if (!(await confirmAction(`${preview.re_encrypted} of ${preview.examined} stored keys would move to key “${preview.active_key_id}” (${preview.already_current} already use it). Re-encrypt them now?`, 'Re-encrypt'))) return;
    const result = await post('/api/admin/secrets:rotate', { dry_run: false });
    line.ok(`Re-encrypted ${result.re_encrypted}; ${result.failed} failed.`);
  }, rotate), { class: 'ghost', disabled: !canWrite });

  screen(main, 'Providers', 'Upstream AI providers and their keys. A key is checked when added; “Test now” checks it again. Configured providers (appsettings) and the demo are not listed here.',
    h('div', { class: 'toolbar' }, button('+ Add provider', () => addProviderDialog([...list.querySelectorAll<HTMLElement>('[data-provider]')].map(e => e.dataset.provider!), () => void load()), { class: 'primary', id: 'add-provider', disabled: !canWrite }), rotate),
    line.element, list);
  await load();
}
