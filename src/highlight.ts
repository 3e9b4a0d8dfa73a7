// A small syntax highlighter for compare.html, run at generation time so
// that the page needs no script and no network. It knows only what the
// components use: comments, strings, numbers and keywords of Go, Python and
// TypeScript; everything else is escaped and left plain.

import type { LanguageId } from './catalogue.js';

export type TokenKind = 'comment' | 'string' | 'number' | 'keyword';

interface Grammar {
  /** Alternatives tried in order at each position; the first that matches wins. */
  readonly rules: ReadonlyArray<readonly [TokenKind, RegExp]>;
  readonly keywords: ReadonlySet<string>;
}

const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/));

const grammars: Readonly<Record<LanguageId, Grammar>> = {
  go: {
    rules: [
      ['comment', /\/\/[^\n]*|\/\*[\s\S]*?\*\//y],
      ['string', /"(?:\\.|[^"\\\n])*"|`[^`]*`|'(?:\\.|[^'\\\n])+'/y],
    ],
    keywords: words(`break case chan const continue default defer else fallthrough for func go goto if import
      interface map package range return select struct switch type var nil true false any error`),
  },
  python: {
    rules: [
      ['comment', /#[^\n]*/y],
      ['string', /[rbfRBF]{0,2}(?:"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')/y],
    ],
    keywords: words(`and as assert async await break class continue def del elif else except finally for from
      global if import in is lambda nonlocal not or pass raise return try while with yield None True False`),
  },
  typescript: {
    rules: [
      ['comment', /\/\/[^\n]*|\/\*[\s\S]*?\*\//y],
      ['string', /"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/y],
    ],
    keywords: words(`as async await break case catch class const continue default do else export extends
      finally for from function if implements import in instanceof interface let new of readonly return
      switch throw try type typeof undefined null true false void while yield`),
  },
};

const number = /\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?/y;
const word = /[A-Za-z_$][\w$]*/y;

/** The code as HTML: escaped, with `<span class="comment|string|number|keyword">` around tokens. */
export function highlight(code: string, language: LanguageId): string {
  const { rules, keywords } = grammars[language];
  let html = '';
  let plain = '';
  const flush = () => {
    html += escapeHtml(plain);
    plain = '';
  };
  const emit = (kind: TokenKind, text: string) => {
    flush();
    html += `<span class="${kind}">${escapeHtml(text)}</span>`;
  };
  let position = 0;
  outer: while (position < code.length) {
    for (const [kind, pattern] of rules) {
      pattern.lastIndex = position;
      const match = pattern.exec(code);
      if (match) {
        emit(kind, match[0]);
        position += match[0].length;
        continue outer;
      }
    }
    word.lastIndex = position;
    const name = word.exec(code);
    if (name) {
      if (keywords.has(name[0])) emit('keyword', name[0]);
      else plain += name[0];
      position += name[0].length;
      continue;
    }
    number.lastIndex = position;
    const digits = number.exec(code);
    if (digits) {
      emit('number', digits[0]);
      position += digits[0].length;
      continue;
    }
    plain += code[position];
    position++;
  }
  flush();
  return html;
}

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
