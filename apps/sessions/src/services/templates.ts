import type { SessionOptions } from '@platform/contracts';

export interface SessionTemplate {
  id: string;
  description: string;
  options: SessionOptions;
}

/** Built-in session templates; their options merge under a request's options. */
export const TEMPLATES: Record<string, SessionTemplate> = {
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
};
