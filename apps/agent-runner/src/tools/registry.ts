import { z } from 'zod';
import type { NetworkPolicy } from '@platform/contracts';
import type { SandboxExecutor } from '@platform/sandbox-kit';
import type { Logger } from '@platform/service-kit';
import type { ToolSpec } from '../providers/types';
import { RAW_ARGUMENTS_KEY } from '../providers/turn-assembler';
import { ToolError, type ExecRequest, type Tool, type ToolKind } from './types';
import { capOutput } from './output';
import type { Workspace } from '../workspace/workspace';
import { listFiles } from './list-files';
import { readFile } from './read-file';
import { writeFile } from './write-file';
import { searchFiles } from './search-files';
import { shell } from './shell';

export const ALL_TOOLS: readonly Tool[] = [listFiles, readFile, writeFile, searchFiles, shell];

/** One run's view of its session's working directory: the files, and the sandbox commands run in. */
export interface RunWorkspace {
  workspace: Workspace;
  sessionId: string;
  network: NetworkPolicy;
}

export interface ToolOutcome {
  output: string;
  isError: boolean;
}

/** The tools of one run, bound to its session's working directory: what the agent loop sees. */
export interface ToolExecutor {
  /** Tool definitions to offer the model, without `exclude` (disallowed tools are not even offered). */
  specs(exclude?: readonly string[]): ToolSpec[];
  /** Whether a tool only reads or also writes; undefined for a tool that does not exist. */
  kindOf(name: string): ToolKind | undefined;
  /** Runs a call; every failure is an outcome with `isError` for the model, except an abort, which is thrown. */
  execute(name: string, input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>;
}

/** The platform's file tools with their JSON Schemas (derived from the zod inputs) and an output cap. */
export class ToolRegistry {
  private readonly byName: Map<string, Tool>;
  private readonly specList: ToolSpec[];

  constructor(
    private readonly o: { outputLimitBytes: number; logger: Logger; executor: SandboxExecutor },
    tools: readonly Tool[] = ALL_TOOLS,
  ) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
    this.specList = tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: jsonSchemaOf(t.input),
    }));
  }

  /** The executor for one run in its session's working directory. */
  forWorkspace(workspace: RunWorkspace): ToolExecutor {
    return {
      specs: (exclude = []) => this.specList.filter((s) => !exclude.includes(s.name)),
      kindOf: (name) => this.byName.get(name)?.kind,
      execute: (name, input, signal) => this.execute(workspace, name, input, signal),
    };
  }

  private async execute(
    workspace: RunWorkspace,
    name: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<ToolOutcome> {
    const tool = this.byName.get(name);
    if (!tool) return { output: `Unknown tool "${name}".`, isError: true };
    if (RAW_ARGUMENTS_KEY in input)
      return { output: `The arguments for ${name} were not a JSON object.`, isError: true };
    const parsed = tool.input.safeParse(input);
    if (!parsed.success) return { output: `Invalid input for ${name}: ${describe(parsed.error)}`, isError: true };
    // A deleted session's directory is never made again, by a command either (WorkspaceDeletedError).
    const exec = async (request: ExecRequest, s: AbortSignal) => {
      await workspace.workspace.ensure();
      return this.o.executor.run({ ...request, workspace_id: workspace.sessionId, network: workspace.network }, s);
    };
    try {
      const answer = await tool.run(parsed.data, {
        workspace: workspace.workspace,
        signal,
        outputLimitBytes: this.o.outputLimitBytes,
        exec,
      });
      const { output, isError } = typeof answer === 'string' ? { output: answer, isError: false } : answer;
      return { output: capOutput(output, this.o.outputLimitBytes), isError };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof ToolError) return { output: err.message, isError: true };
      // Raw errors name absolute server paths: the model gets the code, the log gets the rest.
      const code = (err as NodeJS.ErrnoException | null)?.code ?? 'internal error';
      this.o.logger.warn('tool failed unexpectedly', {
        tool: name,
        err_message: err instanceof Error ? err.message : String(err),
      });
      return { output: `${name} failed (${code}).`, isError: true };
    }
  }
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
