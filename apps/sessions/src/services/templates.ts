import { SOLO_TEMPLATE_ID, TDD_TEMPLATE_ID, type SessionOptions } from '@platform/contracts';

export interface SessionTemplate {
  id: string;
  description: string;
  options: SessionOptions;
}

/** Built-in session templates by id; their options merge under a request's options. */
const BUILT_IN: SessionTemplate[] = Object.values({
  general: { id: 'general', description: 'A general assistant with read tools', options: { permission_mode: 'default', max_turns: 10 } },
  'code-editor': {
    id: 'code-editor',
    description: 'Edits files in its working directory without asking',
    options: { permission_mode: 'accept_edits', max_turns: 20, system_prompt: 'You edit code carefully and explain each change.' },
  },
  'read-only': {
    id: 'read-only',
    description: 'Reads and searches files, never writes',
    options: { permission_mode: 'default', disallowed_tools: ['write_file'], max_turns: 10 },
  },
  // The seeds' agents, driven through /solo and /tdd (sessions/src/services/agents).
  [SOLO_TEMPLATE_ID]: {
    id: SOLO_TEMPLATE_ID,
    description: 'SOLO: interviews you about a project, plans it, then carries out tasks in its working directory',
    options: {
      permission_mode: 'accept_edits',
      max_turns: 20,
      system_prompt:
        'You are SOLO, an autonomous software development agent with a private working directory (tools: list_files, ' +
        'read_file, write_file, search_files; paths are relative). You start a project with a requirements interview, ' +
        'turn the answers into requirements and a plan, then carry out one task at a time, tests first. ' +
        'When a message asks for JSON, answer with exactly one JSON object and nothing else.',
    },
  },
  [TDD_TEMPLATE_ID]: {
    id: TDD_TEMPLATE_ID,
    description: 'TDD: analyses test failures and proposes fixes as patches against its working directory',
    options: {
      permission_mode: 'default',
      max_turns: 8,
      system_prompt:
        'You are a test-driven development assistant. You read test-failure output, find the cause in the code of your ' +
        'working directory (list_files, read_file, search_files; paths are relative) and propose minimal fixes as ' +
        'unified diffs. You do not write files unless asked to: a fix is a proposal. ' +
        'When a message asks for JSON, answer with exactly one JSON object and nothing else.',
    },
  },
});

/**
 * Looked up by a client-supplied id: a Map, so `__proto__`, `constructor` or `toString` are unknown ids
 * (404) rather than something inherited from Object.prototype.
 */
export const TEMPLATES: ReadonlyMap<string, SessionTemplate> = new Map(BUILT_IN.map((t) => [t.id, t]));
