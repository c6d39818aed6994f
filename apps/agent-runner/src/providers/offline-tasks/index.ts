import type { ConversationMessage } from '../types';
import type { OfflineReply } from '../offline-script';
import { sectionOf, taskContextOf } from './task-context';
import { analyzeTestOutput } from './analyze';
import { planGenerate } from './generate';
import { planGenesis, planOrchestratorEvent } from './solo';

/**
 * The offline model's answer to a SOLO/TDD task query (sessions names the task on the query's first
 * line), or undefined when the conversation is no task or the ordinary offline behaviour should answer.
 */
export function planTaskReply(messages: ConversationMessage[], simple: (request: string) => OfflineReply): OfflineReply | undefined {
  const ctx = taskContextOf(messages);
  if (!ctx) return undefined;
  switch (ctx.task) {
    case 'solo.genesis':
      return planGenesis(ctx);
    case 'solo.orchestrator':
      return planOrchestratorEvent(ctx, simple);
    case 'tdd.analyze':
      return { text: JSON.stringify(analyzeTestOutput(sectionOf(ctx.prompt, 'test_output') ?? ''), null, 2) };
    case 'tdd.generate':
      return planGenerate(ctx);
  }
}
