import { agentTaskTag, type SoloEvent, type TddAnalyzeRequest, type TddGenerateRequest } from '@platform/contracts';

/**
 * The queries the SOLO and TDD agents send through the normal run path. Each names its task on the
 * first line (`<task>…</task>`, which the offline model recognises), says what to do in plain words
 * for a real model, and fences every piece of user input in a tag of its own.
 */

const JSON_ONLY = 'Answer with exactly one JSON object and nothing else (no prose, no code fence):';
const section = (tag: string, body: string) => `<${tag}>\n${body}\n</${tag}>`;
const optional = (tag: string, body: string | undefined) => (body === undefined ? [] : [section(tag, body)]);

export function genesisPrompt(description: string): string {
  return [
    agentTaskTag('solo.genesis'),
    'Start a requirements interview for the project described below. Ask the 5 to 10 questions whose answers you need ' +
      'most before building it (users, scope, technology, data, access, integrations, interface, acceptance criteria, ' +
      'constraints), each specific to this project and to what the description leaves open. Do not write any file yet.',
    JSON_ONLY,
    '{"summary": "<one sentence on what the interview will clarify>", "questions": [{"id": "q1", "topic": "<one word>", "question": "<the question>"}]}',
    section('description', description),
  ].join('\n');
}

/** An orchestrator event as the next query of a SOLO session. */
export function orchestratorPrompt(event: SoloEvent): string {
  const head = [agentTaskTag('solo.orchestrator'), section('event', event.type)];
  switch (event.type) {
    case 'answers': {
      const answers = event.answers.map((a, i) => {
        const label = a.question_id ?? `answer ${i + 1}`;
        // One `> ` line per answer; further lines of a long answer are indented.
        const body = a.answer.split(/\r?\n/).map((line, n) => (n === 0 ? `> ${line}` : `  ${line}`));
        return [`[${label}]${a.question ? ` ${a.question}` : ''}`, ...body].join('\n');
      });
      return [
        ...head,
        'These are my answers to your interview questions. Turn them into numbered requirements and a short step-by-step plan. Do not write files yet.',
        section('answers', answers.join('\n')),
      ].join('\n');
    }
    case 'task':
      return [...head, 'Carry out this task in your working directory, then say briefly what you did.', section('instruction', event.instruction)].join('\n');
    case 'feedback':
      return [...head, 'Take this feedback into account from now on, and acknowledge it in one or two sentences.', section('feedback', event.message)].join('\n');
  }
}

export function analyzePrompt(req: Pick<TddAnalyzeRequest, 'test_output' | 'language'>): string {
  return [
    agentTaskTag('tdd.analyze'),
    'Analyse the failing tests in the output below. You may read the files of your working directory to find the cause; do not change any file.',
    JSON_ONLY,
    '{"framework": "<test framework, or null>", "summary": "<one or two sentences>", "failures": [{"test": "<name>", "file": "<path or null>", ' +
      '"line": <number or null>, "message": "<assertion or error>", "expected": "<value or null>", "received": "<value or null>"}], ' +
      '"likely_causes": ["<cause>"], "suggested_next_steps": ["<step>"]}',
    ...optional('language', req.language),
    section('test_output', req.test_output),
  ].join('\n');
}

export function generatePrompt(req: Pick<TddGenerateRequest, 'test_output' | 'language' | 'instructions'>): string {
  return [
    agentTaskTag('tdd.generate'),
    'Propose the smallest change that makes the failing tests below pass. First read the files involved (list_files, read_file); ' +
      'do not write any file. Prefer fixing the code under test over changing the tests.',
    JSON_ONLY,
    '{"patch": "<unified diff: --- a/<path> and +++ b/<path> headers with paths relative to the working directory, @@ hunks with 3 lines of context>", ' +
      '"files": ["<path>"], "explanation": "<what the patch changes and why>"}',
    ...optional('language', req.language),
    ...optional('instructions', req.instructions),
    section('test_output', req.test_output),
  ].join('\n');
}
