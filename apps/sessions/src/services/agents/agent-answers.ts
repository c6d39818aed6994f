import { z } from 'zod';
import type { GenesisQuestion, TestFailure } from '@platform/contracts';
import { checkPatch } from './patch-check';

/**
 * Reads structured answers out of what a model said. Models are asked for one JSON object; they do
 * not always comply (a code fence, prose around it, a field of the wrong type), so the object is
 * looked for in several places and read leniently, and plain text still yields what it can.
 */

export type Format = 'json' | 'text';

/** The first JSON object in `text`: the whole text, a fenced block, or the span from the first `{` to the last `}`. */
export function findJsonObject(text: string): Record<string, unknown> | undefined {
  const fenced = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)\n\s*```/g)].map((m) => m[1] ?? '');
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  const candidates = [text.trim(), ...fenced, ...(first !== -1 && last > first ? [text.slice(first, last + 1)] : [])];
  for (const c of candidates) {
    try {
      const v: unknown = JSON.parse(c);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const text = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());
const nullableText = z.preprocess((v) => (v === undefined || v === '' ? null : v), text.nullable()).catch(null);
const texts = z.array(text.catch('')).catch([]).transform((a) => a.map((s) => s.trim()).filter((s) => s !== ''));
const cap = (s: string, n = 8000) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const QuestionSchema = z.union([
  text.transform((question) => ({ id: undefined, topic: undefined, question })),
  z.object({ id: text.optional().catch(undefined), topic: text.optional().catch(undefined), question: text }),
]);

/** `/solo/genesis`: the interview questions. */
export function readGenesis(answer: string): { summary: string; questions: GenesisQuestion[]; answer_format: Format } {
  const obj = findJsonObject(answer);
  const raw = obj && Array.isArray(obj.questions) ? obj.questions.flatMap((q) => QuestionSchema.safeParse(q).data ?? []) : undefined;
  const asked = raw?.filter((q) => q.question.trim() !== '');
  if (obj && asked && asked.length > 0) {
    return {
      summary: cap(text.catch('').parse(obj.summary).trim()),
      questions: asked.map((q, i) => ({ id: q.id?.trim() || `q${i + 1}`, topic: q.topic?.trim() || 'general', question: cap(q.question.trim(), 2000) })),
      answer_format: 'json',
    };
  }
  // Plain text: every line that asks something, without its list marker.
  const lines = answer.split(/\r?\n/).map((l) => l.trim().replace(/^(?:[-*•]|\d+[.)]|q\d+[:.)])\s*/i, '').replace(/^\*\*(.+)\*\*$/, '$1'));
  const questions = lines.filter((l) => l.endsWith('?')).map((question, i) => ({ id: `q${i + 1}`, topic: 'general', question: cap(question, 2000) }));
  const summary = lines.find((l) => l !== '' && !l.endsWith('?')) ?? '';
  return { summary: cap(summary), questions, answer_format: 'text' };
}

/** A failure as a model writes it; `actual` is taken for `received` (node's assert calls it so). */
const FailureSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !('received' in v) && 'actual' in v ? { ...v, received: (v as { actual: unknown }).actual } : v),
  z.object({
    test: text.catch('unknown test'),
    file: nullableText,
    line: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().positive().nullable()).catch(null),
    message: text.catch(''),
    expected: nullableText,
    received: nullableText,
  }),
);

/** `/tdd/analyze`. */
export function readAnalysis(answer: string): {
  framework: string | null;
  summary: string;
  failures: TestFailure[];
  likely_causes: string[];
  suggested_next_steps: string[];
  answer_format: Format;
} {
  const obj = findJsonObject(answer);
  if (obj && (typeof obj.summary === 'string' || Array.isArray(obj.failures))) {
    const failures = Array.isArray(obj.failures) ? obj.failures.flatMap((f) => FailureSchema.safeParse(f).data ?? []) : [];
    return {
      framework: nullableText.parse(obj.framework),
      summary: cap(text.catch('').parse(obj.summary).trim()),
      failures: failures.map((f) => ({ ...f, message: cap(f.message, 2000) })),
      likely_causes: texts.parse(obj.likely_causes),
      suggested_next_steps: texts.parse(obj.suggested_next_steps),
      answer_format: 'json',
    };
  }
  return { framework: null, summary: cap(answer.trim()), failures: [], likely_causes: [], suggested_next_steps: [], answer_format: 'text' };
}

/** `/tdd/generate`: the patch is kept only if it is a well-formed unified diff; its files come from its own headers. */
export function readGeneration(answer: string): { patch: string; files: string[]; explanation: string; answer_format: Format } {
  const obj = findJsonObject(answer);
  let patch: string;
  let explanation: string;
  let format: Format;
  if (obj && typeof obj.patch === 'string') {
    patch = obj.patch;
    explanation = text.catch('').parse(obj.explanation).trim();
    format = 'json';
  } else {
    const fence = /```(?:diff|patch)\s*\n([\s\S]*?)\n\s*```/.exec(answer);
    const bare = /^(?:diff --git |--- )[\s\S]*$/m.exec(answer);
    patch = fence?.[1] ?? bare?.[0] ?? '';
    explanation = (fence ? answer.replace(fence[0], '') : bare ? answer.slice(0, bare.index) : answer).trim();
    format = 'text';
  }
  if (patch.trim() === '') return { patch: '', files: [], explanation: cap(explanation), answer_format: format };
  const checked = checkPatch(patch.endsWith('\n') ? patch : `${patch}\n`);
  if (!checked.ok) {
    return { patch: '', files: [], explanation: cap(`The proposed patch was dropped: ${checked.problem}. ${explanation}`.trim()), answer_format: format };
  }
  return { patch: checked.patch, files: checked.files, explanation: cap(explanation), answer_format: format };
}
