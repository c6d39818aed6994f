import type { Incident, IncidentListResponse } from '@platform/contracts';
import { tabStorage } from './dom';

const TOKEN_KEY = 'status-dashboard.access-token';

/** The signed-in operator's access token (only the short-lived access token is kept, per tab). */
export const token = {
  get: (): string | null => tabStorage().getItem(TOKEN_KEY),
  set: (t: string): void => tabStorage().setItem(TOKEN_KEY, t),
  clear: (): void => tabStorage().removeItem(TOKEN_KEY),
};

/** The role claim of a JWT, read without verifying (only to decide what to show; the API decides what to send). */
export function roleOf(jwt: string): string | null {
  try {
    const payload = jwt.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const role = (JSON.parse(json) as { role?: unknown }).role;
    return typeof role === 'string' ? role : null;
  } catch {
    return null;
  }
}

export class UnauthorizedError extends Error {}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not the error envelope
  }
  return `the server answered ${res.status}`;
}

/** `POST /auth/login`; resolves with the access token, rejects with the server's message. */
export async function login(email: string, password: string): Promise<string> {
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(await errorMessage(res));
  const body = (await res.json()) as { access_token?: unknown };
  if (typeof body.access_token !== 'string') throw new Error('the login answer carried no token');
  return body.access_token;
}

/** Open and recent incidents (with timelines when `bearer` is an admin's). */
export async function fetchIncidents(bearer: string | null): Promise<Incident[]> {
  const res = await fetch('/api/status/incidents?limit=10', {
    headers: { accept: 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
  });
  if (res.status === 401) throw new UnauthorizedError(await errorMessage(res));
  if (!res.ok) throw new Error(await errorMessage(res));
  return ((await res.json()) as IncidentListResponse).items;
}
