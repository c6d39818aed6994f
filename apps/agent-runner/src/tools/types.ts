import type { z } from 'zod';
import type { ToolName } from '@platform/contracts';
import type { Workspace } from '../workspace/workspace';

/** A tool failed in a way the model should hear about (bad path, missing file, bad input); never a crash. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

export interface ToolContext {
  /** The session's working directory: every path a file tool touches goes through it. */
  workspace: Workspace;
  signal: AbortSignal;
  /** Cap on what a tool returns to the model; tools that read stop early at it. */
  outputLimitBytes: number;
}

/** `read` tools only look; `write` tools change the working directory (and need permission in default mode). */
export type ToolKind = 'read' | 'write';

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: ToolName;
  kind: ToolKind;
  description: string;
  input: S;
  run(input: z.output<S>, ctx: ToolContext): Promise<string>;
}

/** Keeps a tool's input type tied to its schema when tools are kept in one list. */
export const defineTool = <S extends z.ZodType>(tool: Tool<S>): Tool<S> => tool;
