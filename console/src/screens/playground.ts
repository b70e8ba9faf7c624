// Playground: chat (streamed, with a stop button, tools and JSON output), image generation and embeddings, each
// through the same /v1 routes any OpenAI SDK calls, with the signed-in key.
import { get, post, query, send, Session } from '../api';
import { button, copyText, field, fill, h, input, select } from '../dom';
import { attempt, describe, screen, statusLine } from '../ui';

interface Model { id: string; type: string; owned_by: string }
interface Message { role: string; content: string | null; tool_calls?: unknown[] }

/** The call record of a request (tokens, latency, provider, credits): the usage API has it a moment after the call. */
async function callRecord(requestId: string | null): Promise<any | null> {
  if (!requestId) return null;
  for (let attempt = 0; attempt < 30; attempt++) {
    const page = await get(`/api/usage/calls${query({ limit: 50 })}`).catch(() => null);
    const record = page?.calls?.find((call: any) => call.request_id === requestId);
    if (record) return record;
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return null;
}

function modelPicker(models: Model[], type: string, id: string): HTMLSelectElement {
  const picker = h('select', { name: 'model', id });
  const byProvider = new Map<string, Model[]>();
  for (const model of models.filter(m => m.type === type)) {
    const provider = model.id.split('/')[0];
    byProvider.set(provider, [...(byProvider.get(provider) ?? []), model]);
  }
  for (const [provider, list] of byProvider) {
    picker.appendChild(h('optgroup', { label: provider }, list.map(model => h('option', { value: model.id }, model.id))));
  }
  // The demo answers without any provider account: the first thing to try on a fresh hub.
  const demo = { chat: 'demo/echo', image: 'demo/image', embedding: 'demo/embed' }[type];
  if (demo && models.some(m => m.id === demo)) picker.value = demo;
  return picker;
}

function codeSnippets(body: Record<string, unknown>): Record<string, string> {
  const origin = location.origin;
  const json = JSON.stringify(body);
  const messages = JSON.stringify(body.messages, null, 2);
  return {
    curl: `curl -sN ${origin}/v1/chat/completions \\\n  -H "Authorization: Bearer $HUB_KEY" -H 'Content-Type: application/json' \\\n  -d '${json.replace(/'/g, "'\\''")}'`,
    'openai SDK': `import OpenAI from 'openai';\n\nconst client = new OpenAI({ baseURL: '${origin}/v1', apiKey: process.env.HUB_KEY });\nconst answer = await client.chat.completions.create(${JSON.stringify({ ...body, stream: false }, null, 2)});\nconsole.log(answer.choices[0].message.content);`,
    'AIGNE client': `import { AIGNEHubChatModel } from '@aigne/aigne-hub';\n\nconst model = new AIGNEHubChatModel({ url: '${origin}', apiKey: process.env.HUB_KEY, model: '${body.model}' });\nconst result = await model.invoke({ messages: ${messages} });\nconsole.log(result.text);`,
  };
}

function chatTab(models: Model[], session: Session): HTMLElement {
  const conversation: Message[] = [];
  const log = h('ol', { class: 'conversation', id: 'conversation', 'aria-label': 'Conversation', 'aria-live': 'polite' });
  const picker = modelPicker(models, 'chat', 'chat-model');
  const system = h('textarea', { name: 'system', rows: 2, id: 'system-prompt', placeholder: 'You are a helpful assistant.' });
  const temperature = input('temperature', { type: 'number', min: 0, max: 2, step: 0.1, placeholder: 'default', id: 'temperature' });
  const maxTokens = input('max_tokens', { type: 'number', min: 1, placeholder: 'default', id: 'max-tokens' });
  const stream = input('stream', { type: 'checkbox', id: 'stream', checked: true });
  const jsonOutput = input('json', { type: 'checkbox', id: 'json-output' });
  const tools = h('textarea', { name: 'tools', rows: 3, id: 'tools', placeholder: '[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]' });
  const prompt = h('textarea', { name: 'prompt', rows: 3, id: 'prompt', required: true, placeholder: 'Ask something… (Ctrl+Enter sends)' });
  const status = statusLine();
  const code = h('pre', { class: 'code', id: 'code', hidden: true });
  let controller: AbortController | null = null;

  const sendButton = h('button', { type: 'submit', class: 'primary', id: 'send' }, 'Send');
  const stopButton = button('Stop', () => controller?.abort(), { id: 'stop', disabled: true, class: 'danger' });

  function requestBody(): Record<string, unknown> {
    const messages: Message[] = [];
    if (system.value.trim()) messages.push({ role: 'system', content: system.value.trim() });
    messages.push(...conversation);
    const body: Record<string, unknown> = { model: picker.value, messages, stream: stream.checked };
    if (stream.checked) body.stream_options = { include_usage: true };
    if (temperature.value) body.temperature = Number(temperature.value);
    if (maxTokens.value) body.max_tokens = Number(maxTokens.value);
    if (jsonOutput.checked) body.response_format = { type: 'json_object' };
    if (tools.value.trim()) body.tools = JSON.parse(tools.value);
    return body;
  }

  function bubble(role: string, text: string): { item: HTMLElement; content: HTMLElement; meta: HTMLElement } {
    const content = h('div', { class: 'content' }, text);
    const meta = h('div', { class: 'meta' });
    const item = h('li', { class: `message ${role}` }, h('span', { class: 'role' }, role), content, meta);
    log.appendChild(item);
    return { item, content, meta };
  }

  async function showRecord(meta: HTMLElement, requestId: string | null, started: number, model: string): Promise<void> {
    meta.textContent = `${Math.round(performance.now() - started)} ms in the browser · ${model}`;
    const record = await callRecord(requestId);
    if (!record) return;
    const parts = [
      `${record.prompt_tokens ?? 0} + ${record.completion_tokens ?? 0} tokens`,
      `${Math.round(record.latency_ms ?? 0)} ms`,
      `provider ${record.provider || '—'}`,
      record.status !== 'succeeded' ? record.status : '',
      session.creditsMode ? `${session.creditPrefix}${record.credits_charged ?? '0'} credits charged` : '',
    ].filter(Boolean);
    meta.textContent = parts.join(' · ');
    meta.dataset.recorded = 'true';
  }

  async function run(): Promise<void> {
    const text = prompt.value.trim();
    if (!text) return;
    let body: Record<string, unknown>;
    conversation.push({ role: 'user', content: text });
    try {
      body = requestBody();
    } catch (error) {
      conversation.pop();
      status.error(`The tool definitions are not valid JSON: ${describe(error)}`);
      return;
    }
    bubble('user', text);
    prompt.value = '';
    const answer = bubble('assistant', '');
    answer.item.setAttribute('aria-busy', 'true');
    controller = new AbortController();
    sendButton.disabled = true;
    stopButton.disabled = false;
    const started = performance.now();
    let requestId: string | null = null;
    let content = '';
    const toolCalls: any[] = [];
    try {
      const response = await send('POST', '/v1/chat/completions', body, controller.signal);
      requestId = response.headers.get('x-request-id');
      if (body.stream) {
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event.split('\n').filter(line => line.startsWith('data:')).map(line => line.slice(5).trim()).join('');
            if (!data || data === '[DONE]') continue;
            const chunk = JSON.parse(data);
            if (chunk.error) throw new Error(chunk.error.message);
            const delta = chunk.choices?.[0]?.delta;
            if (delta?.content) { content += delta.content; answer.content.textContent = content; }
            for (const call of delta?.tool_calls ?? []) {
              const slot = (toolCalls[call.index ?? 0] ??= { id: call.id, type: 'function', function: { name: '', arguments: '' } });
              slot.function.name += call.function?.name ?? '';
              slot.function.arguments += call.function?.arguments ?? '';
            }
          }
        }
      } else {
        const answerBody = await response.json();
        const message = answerBody.choices?.[0]?.message ?? {};
        content = message.content ?? '';
        toolCalls.push(...(message.tool_calls ?? []));
        answer.content.textContent = content;
      }
      if (toolCalls.length) answer.content.appendChild(h('pre', { class: 'code' }, JSON.stringify(toolCalls, null, 2)));
      conversation.push({ role: 'assistant', content: content || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) });
      answer.item.dataset.state = 'done';
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        answer.item.dataset.state = 'stopped';
        answer.content.appendChild(h('em', { class: 'stopped' }, ' — stopped'));
        if (content) conversation.push({ role: 'assistant', content });
      } else {
        answer.item.dataset.state = 'failed';
        answer.item.classList.add('failed');
        answer.content.textContent = describe(error);
        answer.content.setAttribute('role', 'alert');
        conversation.pop();
      }
    } finally {
      answer.item.removeAttribute('aria-busy');
      controller = null;
      sendButton.disabled = false;
      stopButton.disabled = true;
    }
    await showRecord(answer.meta, requestId, started, String(body.model));
  }

  const form = h('form', { class: 'chat-form', 'aria-label': 'Chat' },
    field('Message', prompt),
    h('div', { class: 'actions' }, sendButton, stopButton,
      button('Clear conversation', () => { conversation.length = 0; log.replaceChildren(); }, { class: 'ghost' })));
  form.addEventListener('submit', event => { event.preventDefault(); void run(); });
  prompt.addEventListener('keydown', event => { if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); void run(); } });

  const copyButtons = ['curl', 'openai SDK', 'AIGNE client'].map(kind => {
    const trigger: HTMLButtonElement = button(`Copy as ${kind}`, () => {
      try {
        const body = requestBody();
        if (!(body.messages as Message[]).some(m => m.role === 'user')) (body.messages as Message[]).push({ role: 'user', content: prompt.value || 'Hello' });
        code.textContent = codeSnippets(body)[kind];
        code.hidden = false;
        void copyText(code.textContent, trigger);
      } catch (error) {
        status.error(describe(error));
      }
    }, { class: 'ghost' });
    return trigger;
  });

  return h('div', { class: 'playground' },
    h('aside', { class: 'settings', 'aria-label': 'Settings' },
      field('Model', picker, models.some(m => m.type === 'chat') ? undefined : 'No chat model: add a provider first.'),
      field('System prompt', system),
      h('div', { class: 'row' }, field('Temperature', temperature), field('Max tokens', maxTokens)),
      h('div', { class: 'checks' },
        h('label', {}, stream, ' Stream the answer'),
        h('label', {}, jsonOutput, ' JSON output')),
      field('Tools (JSON array of tool definitions)', tools),
      h('div', { class: 'copy-as' }, copyButtons), code),
    h('section', { class: 'chat', 'aria-label': 'Chat' }, log, status.element, form));
}

function imagesTab(models: Model[]): HTMLElement {
  const picker = modelPicker(models, 'image', 'image-model');
  const prompt = input('prompt', { id: 'image-prompt', required: true, placeholder: 'a red square' });
  const size = select('size', ['256x256', '512x512', '1024x1024'], '1024x1024', { id: 'image-size' });
  const results = h('div', { class: 'images', id: 'image-results' });
  const status = statusLine();
  const form = h('form', { 'aria-label': 'Generate an image' }, field('Model', picker), field('Prompt', prompt), field('Size', size),
    h('button', { type: 'submit', class: 'primary' }, 'Generate'), status.element, results);
  form.addEventListener('submit', event => {
    event.preventDefault();
    void attempt(status, async () => {
      const answer = await post('/v1/images/generations', { model: picker.value, prompt: prompt.value, size: size.value, n: 1 });
      fill(results, (answer.data ?? []).map((image: any) =>
        h('img', { src: image.url ?? `data:image/png;base64,${image.b64_json}`, alt: `Generated: ${prompt.value}` })));
      status.ok('Done.');
    }, form.querySelector('button[type=submit]') as HTMLButtonElement);
  });
  return form;
}

function embeddingsTab(models: Model[]): HTMLElement {
  const picker = modelPicker(models, 'embedding', 'embedding-model');
  const text = h('textarea', { name: 'input', rows: 3, id: 'embedding-input', required: true, placeholder: 'One text per line' });
  const results = h('div', { id: 'embedding-results' });
  const status = statusLine();
  const form = h('form', { 'aria-label': 'Embeddings' }, field('Model', picker), field('Texts (one per line)', text),
    h('button', { type: 'submit', class: 'primary' }, 'Embed'), status.element, results);
  form.addEventListener('submit', event => {
    event.preventDefault();
    void attempt(status, async () => {
      const inputs = text.value.split('\n').map(line => line.trim()).filter(Boolean);
      const answer = await post('/v1/embeddings', { model: picker.value, input: inputs });
      fill(results, h('ul', {}, answer.data.map((item: any) =>
        h('li', {}, `“${inputs[item.index]}”: ${item.embedding.length} dimensions [${item.embedding.slice(0, 4).map((n: number) => n.toFixed(3)).join(', ')}, …]`))),
        h('p', { class: 'hint' }, `${answer.usage?.total_tokens ?? 0} tokens`));
    }, form.querySelector('button[type=submit]') as HTMLButtonElement);
  });
  return form;
}

export async function playground(main: HTMLElement, session: Session): Promise<void> {
  const models = (await get<{ data: Model[] }>('/v1/models')).data;
  const panels: Record<string, HTMLElement> = { Chat: chatTab(models, session), Images: imagesTab(models), Embeddings: embeddingsTab(models) };
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Playground' });
  const holder = h('div', { role: 'tabpanel', class: 'tabpanel' });
  const tabs = Object.keys(panels).map(name => {
    const tab = h('button', { type: 'button', role: 'tab', 'aria-selected': 'false', id: `tab-${name.toLowerCase()}` }, name);
    tab.addEventListener('click', () => choose(name));
    tab.addEventListener('keydown', event => {
      const names = Object.keys(panels);
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step) { const next = names[(names.indexOf(name) + step + names.length) % names.length]; choose(next); document.getElementById(`tab-${next.toLowerCase()}`)?.focus(); }
    });
    tablist.appendChild(tab);
    return tab;
  });
  function choose(name: string): void {
    tabs.forEach(tab => { const selected = tab.textContent === name; tab.setAttribute('aria-selected', String(selected)); tab.tabIndex = selected ? 0 : -1; });
    holder.setAttribute('aria-labelledby', `tab-${name.toLowerCase()}`);
    fill(holder, panels[name]);
  }
  choose('Chat');
  screen(main, 'Playground', 'Try any model the hub serves. Calls go to the same /v1 routes your applications use, with your key, and count in usage.',
    tablist, holder);
}
