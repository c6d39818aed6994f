import type { GenesisQuestion } from '@platform/contracts';

const STACK =
  /\b(typescript|javascript|node(?:\.js)?|python|django|flask|fastapi|go(?:lang)?|rust|java|kotlin|swift|ruby|rails|php|laravel|c#|\.net|react|vue|angular|svelte|next\.js|express|spring|postgres(?:ql)?|mysql|sqlite|mongodb|redis)\b/gi;

interface Facts {
  subject: string;
  stack: string[];
  features: string[];
  has: (re: RegExp) => boolean;
}

function factsOf(description: string): Facts {
  const flat = description.replace(/\s+/g, ' ').trim();
  const first = /^(.+?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  const subject = (first.length > 120 ? `${first.slice(0, 117)}…` : first).replace(/[.!?]$/, '');
  const stack = [...new Set([...flat.matchAll(STACK)].map((m) => m[0]))];
  // "… with/that/to X, Y and Z": the things asked for, in the description's own words.
  const list = /\b(?:with|that|to|should|must|can|lets? users?)\b\s+([^.!?]*,[^.!?]*)/i.exec(flat)?.[1];
  const features: string[] = [];
  for (const part of (list ?? '').split(',')) {
    const item = part.trim().replace(/^(and|or)\s+/i, '');
    // The list ends where a new clause starts ("…, with logins for staff").
    if (/^(with|that|which|so|using|for|but|because|while|where)\b/i.test(item)) break;
    features.push(...item.split(/\s+(?:and|or)\s+/i).map((s) => s.replace(/^(a|an|the)\s+/i, '').trim()));
  }
  features.splice(0, features.length, ...features.filter((s) => s.length > 2 && s.length < 80).slice(0, 5));
  return { subject, stack, features, has: (re) => re.test(flat) };
}

const quoteList = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;

/**
 * The interview the offline model runs: questions a careful engineer asks before building, each
 * shaped by what the description already says (or leaves out), in a fixed order.
 */
export function genesisQuestions(description: string): { summary: string; questions: GenesisQuestion[] } {
  const f = factsOf(description);
  const asks: Array<[string, string]> = [
    ['users', `Who will use "${f.subject}", and what is the one thing they must be able to do in the first version?`],
    f.features.length > 1
      ? ['scope', `You mention ${quoteList(f.features)}: which of these are essential for the first release, and which can wait?`]
      : ['scope', 'Which three features matter most, and what is explicitly out of scope for now?'],
    f.stack.length > 0
      ? ['stack', `You mention ${quoteList(f.stack)}: which versions and frameworks should I use, and is anything off limits?`]
      : ['stack', 'Which language and framework should it be built with, and where will it run (server, browser, phone, CLI)?'],
    f.has(/\b(data|database|store|save|persist|record|history|upload|file)s?\b/i)
      ? ['data', 'What data must be stored, for how long, and who may read or change it?']
      : ['data', 'Does it need to keep any data between uses? If so, what, and where should it live?'],
    f.has(/\b(log ?ins?|sign ?(in|up)s?|accounts?|auth\w*|passwords?|roles?|permissions?|admins?)\b/i)
      ? ['access', 'How should people sign in, and which roles or permissions do you need?']
      : ['access', 'Does it need accounts or access control, or is it used by a single person?'],
    f.has(/\b(api|integrat\w*|webhooks?|third[- ]party|stripe|slack|email|sms|payments?|oauth)\b/i)
      ? ['integrations', 'Which external services or APIs must it talk to, and do sandbox credentials exist for them?']
      : ['integrations', 'Must it connect to any existing system, service or API?'],
    f.has(/\b(web|ui|dashboard|page|screen|frontend|mobile|app)\b/i)
      ? ['interface', 'What should the main screen show, and are there designs or products it should look like?']
      : ['interface', 'How will people use it: a web page, a command line, an API, or something else?'],
    ['acceptance', 'How will we know it works: which scenarios must pass as tests before it counts as done?'],
    f.has(/\b(deadline|weeks?|months?|budget|fast|performance|scale|users per|latency|offline)\b/i)
      ? ['constraints', 'You mention constraints: which one wins when they conflict (time, cost, performance)?']
      : ['constraints', 'Are there constraints I must respect: a deadline, a budget, expected load, hosting rules?'],
  ];
  const questions = asks.map(([topic, question], i) => ({ id: `q${i + 1}`, topic, question }));
  return {
    summary: `Requirements interview for "${f.subject}": ${questions.length} questions on ${quoteList(questions.map((q) => q.topic))}.`,
    questions,
  };
}
