import { messageOf } from './errors';

/** Services stop before what they use (databases, Redis). */
export type StopStage = 'services' | 'infrastructure';

interface Step {
  name: string;
  stage: StopStage;
  run: () => Promise<void>;
}

/**
 * What must be stopped on exit: services first, then infrastructure, each stage in the reverse order
 * of registration. Once shutdown began, `signal` is aborted (start-up stops at its next step) and a
 * step registered late runs at once.
 */
export class Shutdown {
  private readonly steps: Step[] = [];
  private readonly late: Array<Promise<void>> = [];
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly report: (text: string) => void) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  add(name: string, stage: StopStage, run: () => Promise<void>): void {
    if (this.started) this.late.push(this.runStep({ name, stage, run }));
    else this.steps.push({ name, stage, run });
  }

  /** Runs every step; idempotent. A failing step is reported and the others still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      this.controller.abort();
      const reversed = [...this.steps].reverse();
      for (const stage of ['services', 'infrastructure'] as const) {
        for (const step of reversed.filter((s) => s.stage === stage)) await this.runStep(step);
      }
      await Promise.all(this.late);
    })();
    return this.running;
  }

  private async runStep(step: Step): Promise<void> {
    try {
      await step.run();
    } catch (err) {
      this.report(`stopping ${step.name} failed: ${messageOf(err)}`);
    }
  }
}
