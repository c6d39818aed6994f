import type { TestFailure } from '@platform/contracts';
import type { OfflineReply } from '../offline-script';
import { sectionOf, wasTruncated, type TaskContext } from './task-context';
import { parseTestOutput } from './test-output';
import { proposeFix } from './propose-fix';
import { unifiedDiff } from './unified-diff';

const NOTICE =
  'This is the offline stand-in model: it cannot reason about the code, so the patch is mechanical. ' +
  'Configure a model provider (ANTHROPIC_API_KEY, OPENAI_API_KEY or a local OpenAI-compatible server) for real fixes.';

const answer = (patch: string, files: string[], explanation: string): OfflineReply => ({
  text: JSON.stringify({ patch, files, explanation }, null, 2),
});
const noPatch = (why: string) => answer('', [], `No patch: ${why} ${NOTICE}`);

const clean = (file: string) => file.replace(/^file:\/\//, '').replace(/^\.\//, '');

/** Whether a path printed in test output (absolute, relative, or a bare file name as Go prints) is `listed`. */
export function sameFile(printed: string, listed: string): boolean {
  const p = clean(printed);
  return p === listed || p.endsWith(`/${listed}`) || listed.endsWith(`/${p}`);
}

/** The working-directory file the first located failure points at (the longest, most specific match). */
export function matchListed(failures: TestFailure[], listing: string): string | undefined {
  const files = listing.split('\n').filter((l) => l !== '' && !l.endsWith('/') && !l.startsWith('[') && !l.includes('node_modules/'));
  for (const f of failures) {
    const hits = files.filter((l) => f.file !== null && sameFile(f.file, l)).sort((a, b) => b.length - a.length);
    if (hits[0]) return hits[0];
  }
  return undefined;
}

/**
 * `tdd.generate` in three turns, through the agent's own tools: list the working directory, read the
 * file the failures point at, answer with a unified diff against it.
 */
export function planGenerate(ctx: TaskContext): OfflineReply {
  const located = parseTestOutput(sectionOf(ctx.prompt, 'test_output') ?? '').failures.filter((f) => f.file !== null && f.line !== null);
  if (located.length === 0) return noPatch('the test output names no file and line of a failure.');
  const last = ctx.steps.at(-1);
  if (!last) {
    return { text: 'Looking for the files the failures point at.', toolUse: { name: 'list_files', input: { path: '.', recursive: true } } };
  }
  if (last.result.is_error) return noPatch(`the ${last.use?.name ?? 'tool'} call failed: ${last.result.content}`);
  if (last.use?.name === 'list_files') {
    const path = matchListed(located, last.result.content);
    if (!path) return noPatch(`none of the files the failures point at (${[...new Set(located.map((f) => f.file))].join(', ')}) is in the working directory.`);
    return { text: `Reading ${path}.`, toolUse: { name: 'read_file', input: { path } } };
  }
  if (last.use?.name === 'read_file') {
    const path = String(last.use.input.path);
    const content = last.result.content;
    if (wasTruncated(content) || /^.+ is a binary file \(\d+ bytes\); not shown\.$/.test(content))
      return noPatch(`${path} is too large or not text, so no exact patch can be written against it.`);
    const fix = proposeFix(path, content, located.filter((f) => f.file !== null && sameFile(f.file, path)));
    const patch = unifiedDiff(path, content, fix.after);
    if (!patch) return noPatch(`no change could be derived for ${path}.`);
    return answer(patch, [path], `${fix.notes.join(' ')} ${NOTICE}`);
  }
  return noPatch('an unexpected tool result came back.');
}
