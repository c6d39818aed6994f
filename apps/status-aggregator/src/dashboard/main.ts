// The operator dashboard, bundled by build.ts into /dashboard/app.js. It draws everything from the
// status stream (a snapshot on connect, then each change) and fetches the incident list on changes.
import type { StatusStreamEvent } from '@platform/contracts';
import { UnauthorizedError, fetchIncidents, login, roleOf, token } from './api';
import { byId, onReady, type InputEl } from './dom';
import { clock } from './format';
import { renderBanner, renderCards, renderCharts, renderIncidents, renderQueues } from './render';
import { followStream, type StreamState } from './sse';
import { applyEvent, emptyState, type Section } from './state';

const EVENT_TYPES = new Set(['snapshot', 'component', 'platform', 'incident', 'queues', 'metrics']);
const state = emptyState();
let stream: AbortController | undefined;
let incidentsTimer: ReturnType<typeof setTimeout> | undefined;

const isAdmin = (): boolean => {
  const t = token.get();
  return t !== null && roleOf(t) === 'admin';
};

function draw(sections: Set<Section>): void {
  const components = [...state.components.values()].sort((a, b) => a.name.localeCompare(b.name));
  if (sections.has('banner'))
    byId('banner').innerHTML = renderBanner(
      state.status,
      components.filter((c) => c.required),
    );
  if (sections.has('cards')) byId('cards').innerHTML = renderCards(components, Date.now());
  if (sections.has('queues')) byId('queues').innerHTML = renderQueues(state.queues, state.channelsCount);
  if (sections.has('charts')) byId('charts').innerHTML = renderCharts(state.metrics, isAdmin());
  if (sections.has('incidents')) {
    clearTimeout(incidentsTimer);
    incidentsTimer = setTimeout(() => void loadIncidents(), 200);
  }
  if (state.lastEventAt !== null) byId('updated').textContent = `Last update ${clock(state.lastEventAt)}`;
}

async function loadIncidents(): Promise<void> {
  try {
    state.incidents = await fetchIncidents(token.get());
    byId('incidents').innerHTML = renderIncidents(state.incidents);
  } catch (err) {
    if (err instanceof UnauthorizedError) signOut('Your session has expired: sign in again.');
  }
}

const CONNECTION: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Connection lost, reconnecting…',
  unauthorized: 'Signed out',
};

function connect(): void {
  stream?.abort();
  stream = new AbortController();
  void followStream({
    url: '/api/status/stream',
    token: () => token.get(),
    signal: stream.signal,
    onMessage: (m) => {
      if (!EVENT_TYPES.has(m.event)) return;
      draw(applyEvent(state, JSON.parse(m.data) as StatusStreamEvent, Date.now()));
    },
    onState: (s) => {
      const conn = byId('conn');
      conn.textContent = CONNECTION[s];
      conn.className = `conn conn-${s}`;
      if (s === 'unauthorized') signOut('Your session has expired: sign in again.');
    },
  });
}

function showSession(message = ''): void {
  const t = token.get();
  byId('login-form').hidden = t !== null;
  byId('signed-in').hidden = t === null;
  byId('who').textContent =
    t === null ? '' : isAdmin() ? 'Signed in as an admin' : 'Signed in (not an admin: admin details stay hidden)';
  byId('login-error').textContent = message;
}

function signOut(message = ''): void {
  token.clear();
  showSession(message);
  connect();
}

async function signIn(): Promise<void> {
  const email = byId<InputEl>('login-email');
  const password = byId<InputEl>('login-password');
  const button = byId<InputEl>('login-submit');
  button.disabled = true;
  try {
    token.set(await login(email.value.trim(), password.value));
    password.value = '';
    showSession();
    connect();
  } catch (err) {
    byId('login-error').textContent = `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    button.disabled = false;
  }
}

onReady(() => {
  byId('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn();
  });
  byId('logout').addEventListener('click', () => signOut());
  showSession();
  connect();
  // Relative times ("2 min ago") age even when nothing happens.
  setInterval(() => draw(new Set<Section>(['cards'])), 10_000);
});
