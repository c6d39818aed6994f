import type { z } from 'zod';
import type { SandboxExecRequest, SandboxExecResult, ToolName } from '@platform/contracts';
import type { Workspace } from '../workspace/workspace';

/** A tool failed in a way the model should hear about (bad path, missing file, bad input); never a crash. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** A command for the session's sandbox; the working directory and network policy are the run's. */
export type ExecRequest = Pick<SandboxExecRequest, 'argv' | 'limits' | 'merge_stderr'>;

export interface ToolContext {
  /** The session's working directory: every path a file tool touches goes through it. */
  workspace: Workspace;
  signal: AbortSignal;
  /** Cap on what a tool returns to the model; tools that read stop early at it. */
  outputLimitBytes: number;
  /** Runs a command in the session's sandbox (its working directory, its network policy). */
  exec(request: ExecRequest, signal: AbortSignal): Promise<SandboxExecResult>;
}

/**
 * `read` tools only look; `write` tools change the working directory (a person is asked in default
 * mode); `execute` tools run code (a person is asked unless a rule or bypass mode allows it).
 */
export type ToolKind = 'read' | 'write' | 'execute';

/** What a tool answers: text for the model, flagged as an error when the call did not do what was asked. */
export type ToolAnswer = string | { output: string; isError: boolean };

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: ToolName;
  kind: ToolKind;
  description: string;
  input: S;
  run(input: z.output<S>, ctx: ToolContext): Promise<ToolAnswer>;
}

/** Keeps a tool's input type tied to its schema when tools are kept in one list. */
export const defineTool = <S extends z.ZodType>(tool: Tool<S>): Tool<S> => tool;
