import type { OfflineReply } from '../offline-script';
import { sectionOf, type TaskContext } from './task-context';
import { genesisQuestions } from './genesis';

/** `solo.genesis`: the interview questions as the JSON object the prompt asks for. */
export function planGenesis(ctx: TaskContext): OfflineReply {
  return { text: JSON.stringify(genesisQuestions(sectionOf(ctx.prompt, 'description') ?? ''), null, 2) };
}

/**
 * `solo.orchestrator`: answers become a plan, feedback is acknowledged, and a task is carried out the
 * way the offline model follows any plain request (`simple`); after a task's tool calls the ordinary
 * summary takes over (undefined).
 */
export function planOrchestratorEvent(ctx: TaskContext, simple: (request: string) => OfflineReply): OfflineReply | undefined {
  if (ctx.steps.length > 0) return undefined;
  const event = sectionOf(ctx.prompt, 'event');
  if (event === 'task') return simple(sectionOf(ctx.prompt, 'instruction') ?? '');
  if (event === 'feedback') {
    const feedback = (sectionOf(ctx.prompt, 'feedback') ?? '').replace(/\s+/g, ' ').slice(0, 300);
    return { text: `Noted: "${feedback}". I will apply it from the next task on; send a task event to act on it now.` };
  }
  const answers = [...(sectionOf(ctx.prompt, 'answers') ?? '').matchAll(/^> (.+)$/gm)].map((m) => (m[1] ?? '').trim());
  const requirements = answers.map((a, i) => `   ${i + 1}. ${a.length > 160 ? `${a.slice(0, 157)}…` : a}`);
  return {
    text: [
      `Thank you: ${answers.length} answer${answers.length === 1 ? '' : 's'} recorded. Requirements so far:`,
      ...requirements,
      'Plan:',
      '   1. Turn each requirement into an acceptance test in the working directory.',
      '   2. Set up the smallest project skeleton the tests need.',
      '   3. Implement one requirement at a time until its test passes (POST /tdd/validate).',
      '   4. Review with you before moving to the next requirement.',
      'Send a task event to start, for example {"type": "task", "instruction": "write README.md: …"}.',
    ].join('\n'),
  };
}
