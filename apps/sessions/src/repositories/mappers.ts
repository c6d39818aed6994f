import {
  ContentBlockSchema,
  SessionOptionsSchema,
  type AuditEntry,
  type PermissionRequest as PermissionRequestDto,
  type PermissionStatus,
  type WebhookDelivery as WebhookDeliveryDto,
  type Message as MessageDto,
  type Run as RunDto,
  type RunStatus,
  type Session as SessionDto,
  type SessionEvent as SessionEventDto,
  type ToolCall as ToolCallDto,
} from '@platform/contracts';
import { z } from 'zod';
import type {
  Message,
  PermissionRequest,
  Run,
  Session,
  SessionAudit,
  SessionEvent,
  ToolCall,
  WebhookDelivery,
} from '../generated/prisma/client';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const Blocks = z.array(ContentBlockSchema);

export function toSessionDto(s: Session): SessionDto {
  return {
    id: s.id,
    name: s.name,
    mode: s.mode as SessionDto['mode'],
    status: s.status as SessionDto['status'],
    channel_id: s.channelId,
    template_id: s.templateId,
    options: SessionOptionsSchema.parse(s.options),
    parent_session_id: s.parentSessionId,
    webhook_url: s.webhookUrl,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    totals: {
      messages: s.messageCount,
      tool_calls: s.toolCallCount,
      input_tokens: s.inputTokens,
      output_tokens: s.outputTokens,
      cost_usd: Number(s.costUsd),
    },
  };
}

export function toRunDto(r: Run): RunDto {
  return {
    id: r.id,
    session_id: r.sessionId,
    status: r.status as RunStatus,
    provider: r.provider,
    model: r.model,
    usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
    cost_usd: Number(r.costUsd),
    error: r.error,
    turns: r.turns,
    stop_reason: r.stopReason,
    created_at: r.createdAt.toISOString(),
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
  };
}

export function toMessageDto(m: Message): MessageDto {
  return {
    id: m.id,
    session_id: m.sessionId,
    run_id: m.runId,
    seq: m.seq,
    role: m.role as MessageDto['role'],
    content: Blocks.parse(m.content),
    created_at: m.createdAt.toISOString(),
  };
}

export function toToolCallDto(t: ToolCall): ToolCallDto {
  return {
    id: t.id,
    session_id: t.sessionId,
    run_id: t.runId,
    tool: t.tool,
    input: t.input as Record<string, unknown>,
    status: t.status as ToolCallDto['status'],
    decision: t.decision as ToolCallDto['decision'],
    decision_reason: t.decisionReason,
    decided_by: t.decidedBy,
    output: t.output,
    is_error: t.isError,
    created_at: t.createdAt.toISOString(),
    finished_at: iso(t.finishedAt),
  };
}

export function toEventDto(e: SessionEvent): SessionEventDto {
  return {
    seq: e.seq,
    type: e.type,
    session_id: e.sessionId,
    run_id: e.runId,
    data: e.data as Record<string, unknown>,
    created_at: e.createdAt.toISOString(),
  };
}

export function toPermissionDto(p: PermissionRequest): PermissionRequestDto {
  return {
    id: p.id,
    session_id: p.sessionId,
    run_id: p.runId,
    tool_use_id: p.toolUseId,
    tool: p.tool,
    input: p.input as Record<string, unknown>,
    status: p.status as PermissionStatus,
    decided_by: p.decidedBy,
    remember: p.remember,
    created_at: p.createdAt.toISOString(),
    expires_at: p.expiresAt.toISOString(),
    decided_at: iso(p.decidedAt),
  };
}

export function toAuditDto(a: SessionAudit): AuditEntry {
  return {
    id: a.id,
    session_id: a.sessionId,
    run_id: a.runId,
    action: a.action,
    actor: a.actor,
    details: a.details as Record<string, unknown>,
    created_at: a.createdAt.toISOString(),
  };
}

export function toDeliveryDto(d: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: d.id,
    session_id: d.sessionId,
    run_id: d.runId,
    url: d.url,
    event: d.event,
    attempt: d.attempt,
    status: d.status as WebhookDeliveryDto['status'],
    response_status: d.responseStatus,
    error: d.error,
    created_at: d.createdAt.toISOString(),
    finished_at: iso(d.finishedAt),
  };
}
