import client from 'prom-client';

/** Commands run, by how they ended, their duration, and how many run now. */
export class SandboxMetrics {
  private readonly commands: client.Counter<'outcome'>;
  private readonly duration: client.Histogram<'outcome'>;
  private readonly running: client.Gauge;

  constructor(registry: client.Registry) {
    this.commands = new client.Counter({ name: 'sandbox_commands_total', help: 'Commands run in a sandbox, by outcome', labelNames: ['outcome'] as const, registers: [registry] });
    this.duration = new client.Histogram({
      name: 'sandbox_command_duration_seconds',
      help: 'Wall time of sandboxed commands, sandbox set-up included',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 120, 600],
      registers: [registry],
    });
    this.running = new client.Gauge({ name: 'sandbox_commands_running', help: 'Commands running now', registers: [registry] });
  }

  /** Counts a command in; the returned function records how it ended (ok, nonzero, timeout, cancelled, disk_quota, error). */
  started(): (outcome: string) => void {
    const end = this.duration.startTimer();
    this.running.inc();
    return (outcome) => {
      this.running.dec();
      this.commands.inc({ outcome });
      end({ outcome });
    };
  }
}
