/**
 * How the file tools write names. A name is written as it is unless it could forge or hide part of
 * the output; then the whole path is written as a JSON string literal, with one addition: a byte
 * that is not part of valid UTF-8 is written `\xNN`. A name is quoted when it is not valid UTF-8,
 * contains a control character (U+0000–U+001F, U+007F–U+009F), a line or paragraph separator
 * (U+2028, U+2029) or a bidirectional control (U+061C, U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069), or starts with `"` (so a quoted form is never ambiguous). The tools accept the
 * quoted form back as a path, so every file they show can be read or written by the name shown.
 */

const SHORT_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r' };

const needsEscape = (cp: number): boolean =>
  cp < 0x20 ||
  (cp >= 0x7f && cp <= 0x9f) ||
  cp === 0x2028 ||
  cp === 0x2029 ||
  cp === 0x061c ||
  cp === 0x200e ||
  cp === 0x200f ||
  (cp >= 0x202a && cp <= 0x202e) ||
  (cp >= 0x2066 && cp <= 0x2069);

/** One UTF-8 sequence at `i`: its code point and length, or undefined for a byte that starts no valid sequence. */
function decodeAt(buf: Buffer, i: number): { cp: number; len: number } | undefined {
  const b0 = buf[i] ?? 0;
  if (b0 < 0x80) return { cp: b0, len: 1 };
  const [len, min, init] =
    b0 >= 0xf0 && b0 <= 0xf4
      ? [4, 0x10000, b0 & 0x07]
      : b0 >= 0xe0
        ? [3, 0x800, b0 & 0x0f]
        : b0 >= 0xc2 && b0 <= 0xdf
          ? [2, 0x80, b0 & 0x1f]
          : [0, 0, 0];
  if (len === 0 || (len === 3 && b0 > 0xef)) return undefined;
  let cp = init;
  for (let k = 1; k < len; k++) {
    const b = buf[i + k];
    if (b === undefined || (b & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not valid UTF-8.
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return undefined;
  return { cp, len };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** `name` as the tools show it: as is, or quoted when it needs to be (see the module comment); `always` quotes it anyway. */
export function quoteName(name: Buffer | string, always = false): string {
  const buf = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  let plain = !always && buf[0] !== 0x22;
  let out = '';
  for (let i = 0; i < buf.length;) {
    const seq = decodeAt(buf, i);
    if (!seq) {
      plain = false;
      out += `\\x${hex(buf[i] ?? 0, 2)}`;
      i += 1;
      continue;
    }
    const { cp, len } = seq;
    if (needsEscape(cp)) {
      plain = false;
      out += SHORT_ESCAPES[cp] ?? `\\u${hex(cp, 4)}`;
    } else if (cp === 0x22 || cp === 0x5c) {
      out += `\\${String.fromCharCode(cp)}`;
    } else {
      out += String.fromCodePoint(cp);
    }
    i += len;
  }
  return plain ? buf.toString('utf8') : `"${out}"`;
}

const UNESCAPE: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * The bytes of a path given in the quoted form (`"…"` with JSON escapes and `\xNN`); undefined when
 * `input` is not such a literal (then it is an ordinary path).
 */
export function unquoteName(input: string): Buffer | undefined {
  if (input.length < 2 || !input.startsWith('"') || !input.endsWith('"')) return undefined;
  const parts: Buffer[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(Buffer.from(text, 'utf8'));
    text = '';
  };
  const body = input.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '"') return undefined;
    if (c !== '\\') {
      text += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    if (e === 'x' || e === 'u') {
      const width = e === 'x' ? 2 : 4;
      const digits = body.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) return undefined;
      if (e === 'x') {
        flush();
        parts.push(Buffer.from([parseInt(digits, 16)]));
      } else {
        text += String.fromCharCode(parseInt(digits, 16));
      }
      i += 1 + width;
      continue;
    }
    const unescaped = UNESCAPE[e];
    if (unescaped === undefined) return undefined;
    text += unescaped;
    i += 1;
  }
  flush();
  return Buffer.concat(parts);
}

/** Text with every character that quoteName would escape (tab aside) written as its escape, without quotes: for lines of file content in tool output. */
export function escapeControls(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    out += cp !== 0x09 && needsEscape(cp) ? (SHORT_ESCAPES[cp] ?? `\\u${hex(cp, 4)}`) : ch;
  }
  return out;
}
