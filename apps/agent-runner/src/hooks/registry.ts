import { errorFields } from '@platform/service-kit';
import type { QueryEnd, QueryStart, RunContext, RunHook, RunOutcomeKind, ToolEnd, ToolStart } from './types';

type Point = 'beforeQuery' | 'afterQuery' | 'beforeTool' | 'afterTool' | 'afterRun';

/**
 * The hooks the agent loop calls at its hook points. A hook that throws is logged and skipped: hooks
 * observe and account, they never decide whether a run goes on.
 */
export class HookRegistry {
  private readonly hooks: RunHook[] = [];

  constructor(hooks: readonly RunHook[] = []) {
    for (const h of hooks) this.register(h);
  }

  /** Adds a hook after the ones already registered. */
  register(hook: RunHook): this {
    if (this.hooks.some((h) => h.name === hook.name))
      throw new Error(`a hook named "${hook.name}" is already registered`);
    this.hooks.push(hook);
    return this;
  }

  names(): string[] {
    return this.hooks.map((h) => h.name);
  }

  beforeQuery(run: RunContext, query: QueryStart): Promise<void> {
    return this.call('beforeQuery', run, (h) => h.beforeQuery?.(run, query));
  }

  afterQuery(run: RunContext, query: QueryEnd): Promise<void> {
    return this.call('afterQuery', run, (h) => h.afterQuery?.(run, query));
  }

  beforeTool(run: RunContext, tool: ToolStart): Promise<void> {
    return this.call('beforeTool', run, (h) => h.beforeTool?.(run, tool));
  }

  afterTool(run: RunContext, tool: ToolEnd): Promise<void> {
    return this.call('afterTool', run, (h) => h.afterTool?.(run, tool));
  }

  afterRun(run: RunContext, outcome: RunOutcomeKind): Promise<void> {
    return this.call('afterRun', run, (h) => h.afterRun?.(run, outcome));
  }

  private async call(point: Point, run: RunContext, invoke: (h: RunHook) => void | Promise<void>): Promise<void> {
    for (const hook of this.hooks) {
      try {
        await invoke(hook);
      } catch (err) {
        run.log.warn('run hook failed', { hook: hook.name, point, ...errorFields(err) });
      }
    }
  }
}
