import type { Alias, Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { goActionEnd, replaceDelimited, replaceTerraformDirectives } from '../../util/delimited.js';
import type { Format, Loc, SourceFile } from '../../model/types.js';
import { checkBudget } from '../../util/budget.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { loadLibrary } from '../../util/load-library.js';

/**
 * YAML reading for the gateway extractors, with `yaml` (eemeli) 2: a range on every node,
 * comments kept (suppressions), errors collected instead of thrown, and aliases never expanded
 * (an alias is an unknown value), so an alias bomb costs nothing.
 *
 * Two things happen before parsing, both keeping every offset: Helm/Go template actions
 * (`{{ … }}`, and Jinja's `{% … %}`) are replaced by `§` characters (a whole-line action by spaces), so a templated value
 * is a plain string we can recognise as unknown; and a multi-document file is split at its `---`
 * markers, and only documents with a CORS token are parsed at all (a 50 MB manifest bundle with one
 * Ingress costs one small parse); a large document only when one of its tokens can matter (corsTokensMatter).
 */
type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/** `yaml`, loaded on first use by every reader of YAML (extractors, topology, config files): a run without YAML never loads it. */
export function yaml(): YamlModule {
  yamlModule ??= loadLibrary('yaml');
  return yamlModule;
}

/** Deeper than this, a document is data, not a deployment's config. */
const BLOCK_SCALAR_DEPTH = 64;

/**
 * Every block scalar (`|`, and `>` when `folded`) under `root`, in document order, to at most 64
 * levels: where configs of other formats are kept in YAML (ConfigMaps, Helm values). `skipPair`
 * leaves a mapping entry out, `skipMap` a whole mapping.
 */
export function eachBlockScalar(
  root: unknown,
  visit: (scalar: YamlNode & { value: string; type: string }) => void,
  options: { folded?: boolean; skipMap?: (map: YAMLMap<unknown, unknown>) => boolean; skipPair?: (key: unknown) => boolean } = {},
): void {
  const { isMap, isSeq, isScalar } = yaml();
  const walk = (node: unknown, depth: number): void => {
    if (depth > BLOCK_SCALAR_DEPTH || node === null || node === undefined) return;
    if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
      return;
    }
    if (isMap(node)) {
      if (options.skipMap?.(node)) return;
      for (const pair of node.items) if (!options.skipPair?.(pair.key)) walk(pair.value, depth + 1);
      return;
    }
    if (!isScalar(node) || typeof node.value !== 'string') return;
    if (node.type === 'BLOCK_LITERAL' || (options.folded && node.type === 'BLOCK_FOLDED')) visit(node as YamlNode & { value: string; type: string });
  };
  walk(root, 0);
}

/** Marks a character that came from a template action. */
export const TEMPLATE_CHAR = '§';

export interface YamlDocument {
  doc: Document.Parsed;
  /** Offset of this document's text in the file. */
  offset: number;
}

export interface ParsedYaml {
  file: string;
  /** The format of the file, when it is not YAML (a JSON template reads as YAML; a `serverless.ts` object is read into nodes): the policies' format. */
  format?: Format;
  /** The file text with template actions neutralised (same length as the original). */
  text: string;
  /** The file text as written. */
  source: string;
  documents: YamlDocument[];
  /** The documents of a multi-document file that hold no CORS token and were not parsed (offsets into `text`). */
  unparsed?: Array<{ start: number; end: number }>;
  lineStarts: number[];
  errors: Array<{ message: string; loc: Loc }>;
}

const CORS_TOKEN = /cors|access-?control/i;

export function neutralizeTemplates(text: string): string {
  const goNeutral = neutralizeTerraformDirectives(neutralizeGoActions(text));
  if (!goNeutral.includes('{%') && !goNeutral.includes('{#')) return goNeutral === text ? text : tidyBlockScalarStarts(goNeutral, text);
  // Jinja (Ansible `*.yaml.j2`, cookiecutter, Salt): a statement alone on its line (`{% if tls %}`) disappears,
  // an inline one becomes an opaque value; a `{# comment #}` is blank.
  const lines = blankJinjaOnlyLines(goNeutral);
  const statements = replaceDelimited(lines, '{%', '%}', (match, start) =>
    blankTo(lines, start - 1, -1) && blankTo(lines, start + match.length, 1) ? match.replace(/[^\r\n]/g, ' ') : opaqueValue(match),
  );
  return tidyBlockScalarStarts(replaceDelimited(statements, '{#', '#}', (match) => match.replace(/[^\r\n]/g, ' '), true), text);
}

/**
 * Lines made of Jinja statements and comments only (`{% set a = 1 %}{% set b = 2 %}`, `{% if cors %}{# on #}`):
 * blank, as a line of one statement is. Each line is scanned within itself, once.
 */
function blankJinjaOnlyLines(text: string): string {
  let out = '';
  let from = 0;
  for (let start = 0; start < text.length; ) {
    const lf = text.indexOf('\n', start);
    const next = lf === -1 ? text.length : lf + 1;
    const end = lf > start && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf === -1 ? text.length : lf;
    const line = text.slice(start, end);
    if (line.includes('{%') && jinjaOnly(line)) {
      out += text.slice(from, start) + ' '.repeat(end - start);
      from = end;
    }
    start = next;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Whether a line holds two or more `{% … %}` / `{# … #}` items and blanks, nothing else. */
function jinjaOnly(line: string): boolean {
  let items = 0;
  for (let at = 0; ; ) {
    while (at < line.length && (line.charCodeAt(at) === 32 || line.charCodeAt(at) === 9)) at++;
    if (at >= line.length) return items > 1;
    const close = line.startsWith('{%', at) ? '%}' : line.startsWith('{#', at) ? '#}' : undefined;
    if (!close) return false;
    const shut = line.indexOf(close, at + 2);
    if (shut === -1) return false;
    items++;
    at = shut + 2;
  }
}

/** `key: |`, `- >-`, `key: | # note`: a block scalar header without an explicit indentation indicator. */
function isBlockScalarHeader(line: string): boolean {
  const header = /(?:^|[ \t])[|>][-+]?$/;
  const trimmed = line.trimEnd();
  if (header.test(trimmed)) return true;
  const comment = trimmed.indexOf(' #');
  return comment !== -1 && header.test(trimmed.slice(0, comment).trimEnd());
}

/**
 * A template line blanked right after a block scalar header (`config: |` then `{{- if .Values.tls }}`)
 * leaves a leading line of spaces deeper than the content, which YAML refuses (a block's indentation
 * comes from its first line; Helm's `{{-` removes the whole line). The spaces of such leading blank
 * lines move to the end of the header line, where they are trailing blanks: same length, and every
 * character that is not a blank keeps its offset. Only where a template line was blanked (`source`).
 */
function tidyBlockScalarStarts(neutral: string, source: string): string {
  // Lone CRs (read as line breaks later) are left as they are.
  if (/\r(?!\n)/.test(neutral)) return neutral;
  const lines: Array<{ start: number; end: number; next: number }> = [];
  for (let start = 0; start < neutral.length; ) {
    const lf = neutral.indexOf('\n', start);
    const next = lf === -1 ? neutral.length : lf + 1;
    const end = lf > start && neutral.charCodeAt(lf - 1) === 13 ? lf - 1 : lf === -1 ? neutral.length : lf;
    lines.push({ start, end, next });
    start = next;
  }
  const isBlank = (line: { start: number }) => blankTo(neutral, line.start, 1);
  let out = '';
  let from = 0;
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i];
    if (isBlank(header) || !isBlockScalarHeader(neutral.slice(header.start, header.end))) continue;
    let j = i + 1;
    let spaces = 0;
    let templated = false;
    for (; j < lines.length && isBlank(lines[j]); j++) {
      spaces += lines[j].end - lines[j].start;
      templated ||= !blankTo(source, lines[j].start, 1);
    }
    if (!templated || spaces === 0) {
      i = j - 1;
      continue;
    }
    let breaks = '';
    for (let k = i + 1; k < j; k++) breaks += neutral.slice(lines[k].end, lines[k].next);
    out += neutral.slice(from, header.end) + ' '.repeat(spaces) + neutral.slice(header.end, header.next) + breaks;
    from = lines[j - 1].next;
    i = j - 1;
  }
  return from === 0 ? neutral : out + neutral.slice(from);
}

/** Terraform template directives (`%{ for o in origins ~}` … `%{ endfor ~}`), as Jinja statements: a line of its own disappears, an inline one is opaque. */
function neutralizeTerraformDirectives(text: string): string {
  return replaceTerraformDirectives(text, (match, start) =>
    blankTo(text, start - 1, -1) && blankTo(text, start + match.length, 1) ? match.replace(/[^\r\n]/g, ' ') : opaqueValue(match),
  );
}

function neutralizeGoActions(text: string): string {
  if (!text.includes('{{')) return text;
  // A scan with indexOf (an unclosed `{{` costs one pass, not one per `{{`), and whitespace checks that stop
  // at the first non-blank, so a long line of actions stays linear.
  let out = '';
  let from = 0;
  const scan = { close: -1, commentEnd: -1 };
  for (let start = text.indexOf('{{'); start !== -1; start = text.indexOf('{{', from)) {
    // A comment holding other actions (`{{/*` … `{{- if … }}` … `*/}}`) is one action (goActionEnd).
    const end = goActionEnd(text, start, scan);
    if (end === -1) break;
    // A line of actions and nothing else (`{{- $fullName := include "x" . -}}{{- $port := .Values.port -}}`,
    // `{{- if .Values.cors }}{{/* on */}}`) renders no text of its own either: all of it disappears.
    const lineEnd = blankTo(text, start - 1, -1) ? actionLineEnd(text, end) : -1;
    if (lineEnd !== -1) {
      out += text.slice(from, start) + text.slice(start, lineEnd).replace(/[^\r\n]/g, ' ');
      from = lineEnd;
      continue;
    }
    // A control line (`{{- if .Values.cors }}`, `{{ toYaml . | nindent 4 }}`) disappears, as does an action that
    // renders a key's nested block (`labels: {{- include "x.labels" . | nindent 4 }}` before more-indented
    // entries); any other inline action becomes an opaque value.
    const alone = (blankTo(text, start - 1, -1) && blankTo(text, end, 1)) || opensNestedBlock(text, start, end);
    const action = text.slice(start, end);
    out += text.slice(from, start) + (alone ? action.replace(/[^\r\n]/g, ' ') : opaqueValue(action));
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * When the action ending at `end` is followed on its line by more actions only (blanks between them), and
 * then by the line's end: the offset after the last of them; -1 when there is no second action on the line
 * or something else follows. A scan state of its own (the caller's must not move past the actions it has
 * yet to read); asked once per line, at its first action, so each action is looked at at most twice.
 */
function actionLineEnd(text: string, end: number): number {
  const scan = { close: -1, commentEnd: -1 };
  let last = -1;
  for (let at = end; ; ) {
    while (at < text.length && (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9)) at++;
    if (at >= text.length || text.charCodeAt(at) === 10 || text.charCodeAt(at) === 13) return last;
    if (!text.startsWith('{{', at)) return -1;
    const next = goActionEnd(text, at, scan);
    if (next === -1) return -1;
    last = next;
    at = next;
  }
}

/**
 * Whether the action at `start`..`end` is the whole value of a `key:` that ends its line, and the next
 * non-blank line is indented deeper than the key: the action then renders the start of the key's
 * nested block (Helm's `| nindent n`), not a scalar. Each scan stops at the line's start or at the
 * next non-blank line, and only the action that ends a line scans ahead: linear in the file.
 */
function opensNestedBlock(text: string, start: number, end: number): boolean {
  if (!blankTo(text, end, 1)) return false;
  let colon = start - 1;
  while (colon >= 0 && (text.charCodeAt(colon) === 32 || text.charCodeAt(colon) === 9)) colon--;
  if (colon < 0 || text[colon] !== ':') return false;
  const keyIndent = indentAt(text, text.lastIndexOf('\n', colon) + 1);
  for (let lf = text.indexOf('\n', end); lf !== -1; lf = text.indexOf('\n', lf + 1)) {
    if (blankTo(text, lf + 1, 1)) continue;
    return indentAt(text, lf + 1) > keyIndent;
  }
  return false;
}

/**
 * An inline template action as an opaque value of the same length. An action that runs over several lines
 * (`"{{ lookup('env', 'X') |` then `default('true') }}"` in an Ansible playbook) keeps the indentation of
 * its later lines: they continue the value (a quoted or plain scalar's next line), and YAML reads them as
 * such only when they are indented as written; at column 0 they ended the scalar, a false parse error.
 */
function opaqueValue(action: string): string {
  let out = '';
  let indent = false;
  for (const c of action) {
    if (c === '\n' || c === '\r') indent = true;
    else if (!(indent && (c === ' ' || c === '\t'))) indent = false;
    out += indent ? c : TEMPLATE_CHAR.repeat(c.length);
  }
  return out;
}

/** The number of spaces that start the line beginning at `lineStart`. */
function indentAt(text: string, lineStart: number): number {
  let i = lineStart;
  while (text.charCodeAt(i) === 32) i++;
  return i - lineStart;
}

/** Whether only spaces/tabs lie between `index` and the line break (or the end of the text) in direction `step`. */
function blankTo(text: string, index: number, step: 1 | -1): boolean {
  for (let i = index; i >= 0 && i < text.length; i += step) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** Document chunks: `---` and `...` at the start of a line end a document, even inside block scalars. */
function splitDocuments(text: string): Array<{ start: number; end: number }> {
  const chunks: Array<{ start: number; end: number }> = [];
  const marker = /^(---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  for (let match = marker.exec(text); match; match = marker.exec(text)) {
    if (match.index > start || chunks.length === 0) chunks.push({ start, end: match.index });
    start = match.index;
    // Keep `---` with the document it opens (it may carry content: `--- !tag` or `--- {a: 1}`).
    if (match[1] === '...') start = match.index + 3;
  }
  chunks.push({ start, end: text.length });
  return chunks.filter((chunk) => chunk.end > chunk.start);
}

/**
 * Documents at least this long are lexed before they are parsed, and parsed only when one of their
 * CORS tokens can matter (corsTokensMatter): the library reads about 1 MB/s, and a large document that
 * mentions CORS only in example data (an OpenAPI spec's `disableCors: true` test options) cost seconds.
 * Smaller documents are parsed whenever they hold a token: cheap, and their parse errors are reported.
 */
export const RELEVANCE_CHECK_FROM = 64 * 1024;

/** CORS_TOKEN, for counting its matches. */
const CORS_TOKENS = new RegExp(CORS_TOKEN.source, 'gi');

function corsTokenCount(text: string): number {
  let count = 0;
  CORS_TOKENS.lastIndex = 0;
  while (CORS_TOKENS.exec(text)) count++;
  return count;
}

/**
 * Whether a key's CORS token can be one an extractor reads: every key they read names CORS as a word of
 * its own (`cors`, `Cors`, `CorsConfiguration`, `corsPolicy`, `x-amazon-apigateway-cors`,
 * `nginx.ingress.kubernetes.io/enable-cors`, `cors-allow-origin`) or an Access-Control header or
 * option (`Access-Control-Allow-Origin`, `method.response.header.Access-Control-…`,
 * `accessControlAllowOriginList`). A key with `cors` only as the end of a longer word (`disableCors`,
 * `allowCORS`) is some program's own option, and no extractor reads one (test/yaml-relevance.test.ts
 * runs every fixture with the check on).
 */
function keyMayMatter(key: string): boolean {
  const lower = key.toLowerCase();
  if (/access-?control/.test(lower)) return true;
  for (let at = lower.indexOf('cors'); at !== -1; at = lower.indexOf('cors', at + 4)) {
    if (at === 0 || !/[a-z0-9]/.test(lower[at - 1])) return true;
  }
  return false;
}

/**
 * Whether any CORS token of a document can matter, read from the library's lexer alone (a fraction of
 * a parse): a token in a comment cannot (suppressions are read from the text), nor one in a mapping
 * key that no extractor reads (keyMayMatter); a token anywhere else (a value, a list item, a block
 * scalar, an anchor or tag, a key of another shape) can, and so can one the lexemes do not account for.
 * A document with a `kind` key is read whole as well: a manifest's kind says whose hosts it serves
 * (Ingress, HTTPRoute…) or that it holds a values file (HelmRelease), with or without CORS in its keys.
 */
export function corsTokensMatter(source: string): boolean {
  const { Lexer } = yaml();
  const total = corsTokenCount(source);
  let seen = 0;
  let afterScalarMark = false;
  /** A scalar with a CORS token (or a `kind`), waiting for the next lexeme to say whether it is a key. */
  let pending: string | undefined;
  let lexemes = 0;
  for (const lexeme of new Lexer().lex(source, false)) {
    if (++lexemes % 4096 === 0) checkBudget();
    if (pending !== undefined) {
      if (/^[ \t]+$/.test(lexeme)) continue;
      if (lexeme === ':' ? KIND_KEY.test(pending) || keyMayMatter(pending) : !KIND_KEY.test(pending)) return true;
      pending = undefined;
    }
    const scalar = afterScalarMark || lexeme[0] === '"' || lexeme[0] === "'";
    // The lexer marks a plain or block scalar's text with a control character before it.
    afterScalarMark = lexeme === '\x1f';
    if (scalar && lexeme.length <= 6 && KIND_KEY.test(lexeme)) {
      pending = lexeme;
      continue;
    }
    if (!CORS_TOKEN.test(lexeme)) continue;
    seen += corsTokenCount(lexeme);
    if (lexeme[0] === '#') continue;
    if (!scalar) return true;
    pending = lexeme;
  }
  return (pending !== undefined && !KIND_KEY.test(pending)) || seen !== total;
}

const KIND_KEY = /^(?:kind|"kind"|'kind')$/;

export function parseYaml(file: SourceFile, reading: { relevanceFrom?: number } = {}): ParsedYaml {
  // A byte-order mark stays in place: the YAML reader skips it and every offset stays true.
  const source = file.text;
  // YAML breaks lines at a lone CR too; the library and the extractors look for LF. Same length, same line table.
  const neutral = neutralizeTemplates(source);
  const text = neutral.includes('\r') ? neutral.replace(/\r(?!\n)/g, '\n') : neutral;
  // Lines as written: neutralizing may move the blanks of template lines to the line above (tidyBlockScalarStarts).
  const lineStarts = neutral === source ? lineStartsOf(text) : lineStartsOf(source.includes('\r') ? source.replace(/\r(?!\n)/g, '\n') : source);
  const parsed: ParsedYaml = { file: file.path, text, source, documents: [], lineStarts, errors: [] };
  const problems: Array<{ message: string; from: number; to: number }> = [];
  let problemCount = 0;
  let markers: number[] | undefined;
  for (const chunk of splitDocuments(text)) {
    checkBudget();
    const source = text.slice(chunk.start, chunk.end);
    if (!CORS_TOKEN.test(source) || (reading.relevanceFrom !== undefined && source.length >= reading.relevanceFrom && !corsTokensMatter(source))) {
      (parsed.unparsed ??= []).push(chunk);
      continue;
    }
    const tooDeepAt = (deep: number) => {
      problems.push({ message: `YAML nested deeper than ${MAX_YAML_DEPTH} levels; this document is not analysed`, from: deep + chunk.start, to: deep + chunk.start + 1 });
      problemCount++;
    };
    // uniqueKeys is checked below with a Set: the library's own check compares every pair of keys (quadratic).
    const options = { prettyErrors: false, uniqueKeys: false, strict: false, logLevel: 'silent' } as const;
    const first = parseYamlDocument(source, options);
    if ('deepAt' in first) {
      tooDeepAt(first.deepAt);
      continue;
    }
    let doc = first.doc;
    let toFile = (offset: number) => offset + chunk.start;
    let relaxedUsed = false;
    // The text `doc` was read from (the relaxed one keeps the same offsets for every unmoved character).
    let parsedText = source;
    // PyYAML (the SAM translator, Ansible) and go-yaml accept a flow collection or a quoted value whose lines
    // are not indented past its key; the yaml library does not. Read it as they do, positions kept.
    if (doc.errors.length > 0) {
      const relaxed = relaxFlowIndentation(source);
      const parsedAgain = relaxed && parseYamlDocument(relaxed.text, options);
      // Relaxing only moves lines right, so it cannot nest deeper than the text that parsed; a bound hit here keeps the first reading.
      const again = parsedAgain && 'doc' in parsedAgain ? parsedAgain.doc : undefined;
      if (relaxed && again && again.errors.length < doc.errors.length) {
        doc = again;
        relaxedUsed = true;
        parsedText = relaxed.text;
        toFile = (offset: number) => relaxed.original(offset) + chunk.start;
      }
    }
    // PyYAML (CloudFormation's loaders, SAM) and go-yaml read a `-` that runs straight into `,` `]` or `}`
    // in a flow collection as the scalar `-` (`!Split [-, !Ref Name]`); the yaml library reads a block
    // sequence there. Read it as they do: the dash becomes `_` for the parse, and its scalar is `-` again.
    let dashes: Set<number> | undefined;
    if (doc.errors.length > 0) {
      const lone = loneFlowDashes(doc, parsedText);
      if (lone.size > 0) {
        let patched = '';
        let from = 0;
        for (const at of [...lone].sort((a, b) => a - b)) {
          patched += parsedText.slice(from, at) + '_';
          from = at + 1;
        }
        patched += parsedText.slice(from);
        const parsedAgain = parseYamlDocument(patched, options);
        if ('doc' in parsedAgain && parsedAgain.doc.errors.length < doc.errors.length) {
          doc = parsedAgain.doc;
          dashes = lone;
        }
      }
    }
    // Ranges become file offsets; duplicate keys are found in the same pass.
    const duplicate = walkNodes(doc, toFile, chunk.start === 0 && !relaxedUsed, (markers ??= templateBranchMarkers(file.text)), dashes);
    const errors = doc.errors.map((error) => ({ message: firstLine(error.message), from: toFile(error.pos[0]), to: toFile(error.pos[1]) }));
    if (duplicate) errors.push({ message: 'Map keys must be unique', from: duplicate[0], to: duplicate[1] });
    problemCount += errors.length;
    if (errors.length > 0) problems.push(errors.reduce((a, b) => (b.from < a.from ? b : a)));
    parsed.documents.push({ doc, offset: chunk.start });
  }
  // One parse-error per file: the first, with a count of the rest.
  if (problems.length > 0) {
    const first = problems.reduce((a, b) => (b.from < a.from ? b : a));
    const more = problemCount > 1 ? ` (and ${problemCount - 1} more)` : '';
    const nested = first.message.startsWith('YAML nested');
    const message = nested ? `${first.message}${more}` : `YAML: ${first.message}${more}; the rest of the document is still read`;
    parsed.errors.push({ message, loc: rangeLoc(parsed, first.from, Math.max(first.to, first.from + 1)) });
  }
  return parsed;
}

/**
 * Whether a `{`/`[` (or a quote) at `at` follows `key: ` or `- ` (blanks between, at least one: `(?:[` in a
 * plain regex value is no collection): a backward scan over the blanks, not a regex over the line.
 */
function opensFlow(text: string, lineStart: number, at: number): boolean {
  let i = at - 1;
  while (i >= lineStart && (text[i] === ' ' || text[i] === '\t')) i--;
  if (i < lineStart || i === at - 1) return false;
  if (text[i] === ':') return true;
  if (text[i] !== '-') return false;
  for (let j = i - 1; j >= lineStart; j--) if (text[j] !== ' ' && text[j] !== '\t') return false;
  return true;
}

/** A line's key column: past its indentation and any `- ` list markers (`  - - key:` gives 6). */
function keyColumn(text: string, lineStart: number): number {
  let key = lineStart;
  while (text[key] === ' ') key++;
  while (text[key] === '-' && text[key + 1] === ' ') for (key += 1; text[key] === ' '; ) key++;
  return key - lineStart;
}

/**
 * The column of the key whose value starts on the line at `lineStart` (at column `column`): the closest
 * line above that holds more than blanks or a comment must be `key:` (or `- key:`) with nothing after
 * the colon, at a column left of the value. Undefined otherwise (a block scalar's text, a list item).
 */
function valueOnNextLine(text: string, lineStart: number, column: number): number | undefined {
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).replace(/\r$/, '');
    const content = line.trim();
    if (content === '' || content.startsWith('#')) {
      end = start - 1;
      continue;
    }
    if (!content.endsWith(':')) return undefined;
    const key = keyColumn(text, start);
    return key < column ? key : undefined;
  }
  return undefined;
}

/**
 * The text with the continuation lines of each multi-line flow collection (`Cors: {` … `}`) and
 * quoted value (`rule: 'self.all(…` continued at the key's column, as Kubernetes CRDs are generated)
 * indented past the line that opens it, and a map from offsets in that text back to the original.
 * Undefined when nothing needed moving.
 */
export function relaxFlowIndentation(text: string): { text: string; original: (offset: number) => number } | undefined {
  const inserts: Array<{ at: number; count: number }> = [];
  let depth = 0;
  let openerIndent = 0;
  let quote: string | undefined;
  // A quoted value in block context (`rule: 'self.all(…` over several lines, as controller-gen writes CRDs): its key's column.
  let blockQuoteIndent = -1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      lineStart = i + 1;
      const opener = depth > 0 ? openerIndent : quote && blockQuoteIndent >= 0 ? blockQuoteIndent : -1;
      if (opener >= 0) {
        let indent = 0;
        while (text[lineStart + indent] === ' ') indent++;
        if (indent <= opener && lineStart + indent < text.length && text[lineStart + indent] !== '\n' && text[lineStart + indent] !== '\r') inserts.push({ at: lineStart, count: opener + 1 - indent });
      }
      continue;
    }
    if (quote) {
      // `''` inside a single-quoted scalar is one quote, not its end.
      if (quote === "'" && char === "'" && text[i + 1] === "'") i++;
      else if (char === quote && !(quote === '"' && text[i - 1] === '\\')) {
        quote = undefined;
        blockQuoteIndent = -1;
      }
      continue;
    }
    if (char === '#' && (i === lineStart || /\s/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if ((char === '"' || char === "'") && depth === 0 && opensFlow(text, lineStart, i)) {
      // PyYAML and go-yaml read its continuation lines at any indentation; the yaml library wants them past the key.
      quote = char;
      blockQuoteIndent = keyColumn(text, lineStart);
    } else if ((char === '"' || char === "'") && depth === 0 && i === lineStart + indentAt(text, lineStart)) {
      // The same for a quoted value on the line under its key (`Fn::Sub:` then `"\n#set(…` continued at the
      // key's column, as API Gateway exports write request templates: aws-samples/serverless-coffee).
      const keyAt = valueOnNextLine(text, lineStart, i - lineStart);
      if (keyAt !== undefined) {
        quote = char;
        blockQuoteIndent = keyAt;
      }
    } else if ((char === '"' || char === "'") && depth > 0) quote = char;
    else if (char === '{' || char === '[') {
      // Only a collection opened after `key:` or `- ` starts flow context here (not `{{` templates, which are neutralised).
      if (depth === 0) {
        if (!opensFlow(text, lineStart, i)) continue;
        openerIndent = indentAt(text, lineStart);
      }
      depth++;
    } else if ((char === '}' || char === ']') && depth > 0) depth--;
  }
  if (inserts.length === 0) return undefined;
  let out = '';
  let from = 0;
  for (const insert of inserts) {
    out += text.slice(from, insert.at) + ' '.repeat(insert.count);
    from = insert.at;
  }
  out += text.slice(from);
  // Where each run of added spaces starts in the new text, and how much was added up to its end.
  const added: Array<{ from: number; count: number; total: number }> = [];
  let total = 0;
  for (const insert of inserts) {
    added.push({ from: insert.at + total, count: insert.count, total: total + insert.count });
    total += insert.count;
  }
  // A binary search for the last run starting at or before the offset (one lookup per node range).
  const original = (offset: number): number => {
    let low = 0;
    let high = added.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (added[mid].from <= offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (found === -1) return offset;
    const run = added[found];
    // Inside the added spaces: the line start they were put at.
    if (offset < run.from + run.count) return run.from - (run.total - run.count);
    return offset - run.total;
  };
  return { text: out, original };
}

/** Documents nested deeper than this are not analysed (real manifests stay far below; the composer overflows near 800). */
export const MAX_YAML_DEPTH = 128;

/**
 * The most entries the library's CST parser may hold on its stack. Its parser unwinds the stack by
 * recursion (`pop` then `step` again, per entry), so a deep stack overflows when one less-indented
 * line closes it all at once — and the stack can grow without any indentation: every line
 * `  key: value:` at one indent opens a mapping inside the previous one. A nesting level uses one or
 * two entries; a small margin covers the transient scalar entries.
 */
export const MAX_YAML_PARSER_STACK = 2 * MAX_YAML_DEPTH + 16;

type YamlOptions = import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions;

/**
 * `parseDocument`, bounded: a document nested deeper than MAX_YAML_DEPTH by the indentation
 * estimate (tooDeep, before any parsing), or whose parser stack passes MAX_YAML_PARSER_STACK (checked
 * before each token, so the library's recursive unwinding and its recursive composer both stay within
 * bounds), is not parsed; the offset where it got too deep is returned instead. Every reader of
 * scanned YAML (extractors, topology) goes through this.
 */
export function parseYamlDocument(source: string, options: YamlOptions): { doc: Document.Parsed } | { deepAt: number } {
  const estimate = tooDeep(source, MAX_YAML_DEPTH);
  if (estimate !== undefined) return { deepAt: estimate };
  const { Composer, Lexer, Parser } = yaml();
  const parser = new Parser();
  let deepAt: number | undefined;
  function* tokens() {
    for (const lexeme of new Lexer().lex(source, false)) {
      if (parser.stack.length > MAX_YAML_PARSER_STACK) {
        deepAt = Math.min(parser.offset, Math.max(0, source.length - 1));
        return;
      }
      yield* parser.next(lexeme);
    }
    // The final unwinding is a loop in the library (one pop per entry), not a recursion.
    yield* parser.end();
  }
  const composer = new Composer(options);
  let doc: Document.Parsed | undefined;
  // The library makes a YAMLError (an Error, with a stack trace captured) per problem: 50,000 for a
  // file of unclosed quotes, and the traces were two thirds of the time. Nothing reads them.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // One document per chunk: a second one (a marker the splitter did not see) is ignored, as parseDocument does with logLevel silent.
    for (const composed of composer.compose(tokens(), true, source.length)) {
      if (deepAt !== undefined) break;
      doc ??= composed;
    }
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  if (deepAt !== undefined) return { deepAt };
  return { doc: doc! };
}

/**
 * Iterative walk over a composed document (no recursion: nesting is bounded above, but aliases and
 * wide maps must cost nothing either): maps every range to file offsets and returns the range of
 * the first duplicate key of a mapping, as a lenient loader would warn.
 */
/** Where the written text branches (`{{ if }}`, `{{ else }}`, `{% … %}`, `%{ … }`, `<% … %>`), in order: one linear scan. */
function templateBranchMarkers(source: string): number[] {
  const markers: number[] = [];
  if (!source.includes('{{') && !source.includes('{%') && !source.includes('%{') && !source.includes('<%')) return markers;
  for (const match of source.matchAll(/\{\{-?\s*(?:if|else|end|range|with)\b|\{%|%\{|<%(?!=)/g)) markers.push(match.index);
  return markers;
}

/** Some marker lies strictly between the two offsets (binary search over the sorted markers). */
function branchBetween(markers: number[], from: number, to: number): boolean {
  let low = 0;
  let high = markers.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (markers[mid] <= from) low = mid + 1;
    else high = mid;
  }
  return low < markers.length && markers[low] < to;
}

/**
 * A key written twice with a template branch between the two (`{{- if .Values.a }}` … `{{- else }}`
 * … the same key) is one key in every rendering: not a duplicate.
 */
function walkNodes(doc: Document.Parsed, toFile: (offset: number) => number, identity: boolean, markers: number[], dashes?: Set<number>): [number, number] | undefined {
  let duplicate: [number, number] | undefined;
  const shift = (node: { range?: [number, number, number] | null }) => {
    if (!identity && node.range) node.range = [toFile(node.range[0]), toFile(node.range[1]), toFile(node.range[2])];
  };
  shift(doc as { range?: [number, number, number] });
  const stack: unknown[] = [doc.contents];
  const anchors = new Map<string, unknown>();
  const aliases: Alias[] = [];
  while (stack.length > 0) {
    checkBudget();
    const node = stack.pop();
    // A key or value left empty (`? key`, a half-written line) is null.
    if (!node || typeof node !== 'object') continue;
    // A lone flow `-` read as `_` (loneFlowDashes): its value as written, before its range moves.
    if (dashes && isScalar(node) && node.range && dashes.has(node.range[0]) && node.value === '_') node.value = '-';
    shift(node as { range?: [number, number, number] });
    const anchor = (node as { anchor?: string }).anchor;
    // An anchor defined twice names different nodes before and after: its aliases stay unresolved.
    if (anchor) anchors.set(anchor, anchors.has(anchor) ? undefined : node);
    if (isAlias(node)) aliases.push(node);
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!pair) continue;
        const key = pair.key as unknown;
        if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number' || typeof key.value === 'boolean' || key.value === null)) {
          const name = `${typeof key.value}:${String(key.value)}`;
          // The key is shifted when it is popped, after this: its range is still the parser's.
          const at = key.range ? toFile(key.range[0]) : -1;
          const before = seen.get(name);
          if (before !== undefined && !duplicate && key.range && !branchBetween(markers, before, at)) duplicate = [at, toFile(key.range[1])];
          seen.set(name, at);
        }
        stack.push(pair.value, key);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  for (const alias of aliases) {
    const target = anchors.get(alias.source);
    if (target) aliasTargets.set(alias, target);
  }
  return duplicate;
}

/**
 * Where the library reported a block sequence inside a flow collection at a `-` followed at once by
 * `,` `]` or `}`: a lone dash that PyYAML and go-yaml read as the plain scalar `-` (a `- ,` with a
 * blank is an error for them too, and stays one here).
 */
function loneFlowDashes(doc: Document.Parsed, text: string): Set<number> {
  const found = new Set<number>();
  for (const error of doc.errors) {
    const at = error.pos[0];
    if (error.code === 'BLOCK_IN_FLOW' && text[at] === '-' && (text[at + 1] === ',' || text[at + 1] === ']' || text[at + 1] === '}')) found.add(at);
  }
  return found;
}

/**
 * A linear estimate of a YAML text's nesting depth (block indentation levels, compact `- `/`? `
 * indicators, flow brackets), never below the real depth by more than a small factor; returns the
 * offset where it first exceeds `limit`. Quotes, comments and block scalars are skipped so a string
 * full of brackets does not count.
 */
export function tooDeep(source: string, limit: number): number | undefined {
  // A lone CR ends a line too (same length, so offsets hold).
  const text = source.includes('\r') ? source.replace(/\r(?!\n)/g, '\n') : source;
  const indents: number[] = [];
  let flow = 0;
  let quote = 0;
  let blockScalarParent = -1;
  let i = 0;
  while (i < text.length) {
    checkBudget();
    // At a line start: indentation.
    let j = i;
    while (j < text.length && text.charCodeAt(j) === 32) j++;
    const indent = j - i;
    let lineEnd = text.indexOf('\n', j);
    if (lineEnd === -1) lineEnd = text.length;
    const first = text.charCodeAt(j);
    const blank = j >= lineEnd || first === 13 || first === 35 /* # */;
    if (blockScalarParent >= 0 && (blank || indent > blockScalarParent)) {
      i = lineEnd + 1;
      continue;
    }
    blockScalarParent = -1;
    if (blank && quote === 0) {
      i = lineEnd + 1;
      continue;
    }
    let depth = 0;
    if (flow === 0 && quote === 0) {
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
    }
    depth = indents.length;
    let nodeStart = quote === 0;
    for (let k = j; k < lineEnd; k++) {
      const c = text.charCodeAt(k);
      if (quote !== 0) {
        if (c === quote) {
          if (quote === 39 && text.charCodeAt(k + 1) === 39) k++;
          else quote = 0;
        } else if (c === 92 /* \ */ && quote === 34) k++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) continue;
      const next = text.charCodeAt(k + 1);
      const spaced = k + 1 >= lineEnd || next === 32 || next === 9 || next === 13;
      if (c === 35 /* # */ && (k === j || text.charCodeAt(k - 1) === 32 || text.charCodeAt(k - 1) === 9)) break;
      if (nodeStart && (c === 34 || c === 39)) {
        quote = c;
        nodeStart = false;
        continue;
      }
      if (c === 91 /* [ */ || c === 123 /* { */) {
        if (flow > 0 || nodeStart) {
          flow++;
          nodeStart = true;
        }
      } else if (c === 93 /* ] */ || c === 125 /* } */) {
        if (flow > 0) flow--;
        nodeStart = false;
      } else if (c === 44 /* , */ && flow > 0) nodeStart = true;
      else if ((c === 45 /* - */ || c === 63 /* ? */ || c === 58 /* : */) && spaced) {
        // `a: b: c: …` nests a mapping per `: ` in the library (an error, but reached by recursion first).
        if (flow === 0) depth++;
        nodeStart = true;
      } else if (flow === 0 && nodeStart && (c === 124 /* | */ || c === 62 /* > */)) {
        blockScalarParent = indent;
        break;
      } else nodeStart = false;
      if (depth + flow > limit) return k;
    }
    if (depth + flow > limit) return j;
    i = lineEnd + 1;
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

export function rangeLoc(parsed: ParsedYaml, from: number, to: number): Loc {
  const clampedTo = Math.min(Math.max(to, from), parsed.text.length);
  return offsetsToLoc(parsed.file, parsed.lineStarts, Math.min(from, parsed.text.length), clampedTo);
}

/** The node's own text span (a scalar without its trailing newline, a key, a collection). */
/**
 * A node built from another source rather than parsed from this text (js/serverless-config.ts reads a
 * `serverless.ts` object into nodes) carries the position of what it was built from here.
 */
export const WRITTEN_AT = Symbol('written at');

export function nodeLoc(parsed: ParsedYaml, node: YamlNode | Pair | null | undefined, fallback?: Loc): Loc {
  const written = node ? (node as { [WRITTEN_AT]?: Loc })[WRITTEN_AT] : undefined;
  if (written) return written;
  const range = node && 'range' in node ? node.range : undefined;
  if (!range) return fallback ?? rangeLoc(parsed, 0, 0);
  return rangeLoc(parsed, range[0], range[1]);
}

// Narrow readers over yaml nodes. Aliases and tagged values (`!Ref`, `!Sub`) are never followed.

export function isMap(node: unknown): node is YAMLMap<YamlNode, YamlNode | null> {
  return yaml().isMap(node);
}

export function isSeq(node: unknown): node is YAMLSeq<YamlNode | null> {
  return yaml().isSeq(node);
}

export function isScalar(node: unknown): node is Scalar {
  return yaml().isScalar(node);
}

export function isAlias(node: unknown): node is Alias {
  return yaml().isAlias(node);
}

/** A pair of a mapping by key (string keys only); with a duplicate key (reported as a parse error), the last one, as lenient loaders keep. */
export function pairOf(map: unknown, key: string, depth = 0, budget = { merged: MAX_MERGED }): Pair<YamlNode, YamlNode | null> | undefined {
  if (!isMap(map)) return undefined;
  const matches = map.items.filter((pair) => isScalar(pair.key) && String(pair.key.value) === key);
  if (matches.length > 0) return matches[matches.length - 1] as Pair<YamlNode, YamlNode | null>;
  // YAML 1.1 merge keys (`<<: *defaults`, `<<: [*a, *b]`), which Compose files, Traefik and Kong configs use
  // to share settings: a key not written here comes from the first merged mapping that has it.
  if (depth >= MAX_MERGE_DEPTH || key === '<<') return undefined;
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.value !== '<<') continue;
    for (const merged of mergeSources(pair.value)) {
      // A lookup visits at most MAX_MERGED merged mappings: aliases of aliases cannot fan out (alias bombs).
      if (--budget.merged < 0) return undefined;
      const found = pairOf(merged, key, depth + 1, budget);
      if (found) return found;
    }
  }
  return undefined;
}

/** Merge keys followed through at most this many mappings (a chain of `<<` in anchored mappings). */
const MAX_MERGE_DEPTH = 8;
/** Merged mappings one lookup or listing visits at most. */
const MAX_MERGED = 64;
/** The node each alias of a parsed document names (anchors defined once only), for merge keys. */
const aliasTargets = new WeakMap<Alias, unknown>();

export function get(map: unknown, ...path: string[]): YamlNode | null | undefined {
  let node: unknown = map;
  for (const key of path) {
    const pair = pairOf(node, key);
    if (!pair) return undefined;
    node = pair.value;
  }
  return node as YamlNode | null | undefined;
}

/** Entries of a mapping with string keys. */
export function entries(map: unknown, depth = 0, budget = { merged: MAX_MERGED }): Array<{ key: string; keyNode: YamlNode; value: YamlNode | null }> {
  if (!isMap(map)) return [];
  const own = map.items.filter((pair) => isScalar(pair.key) && !(pair.key.value === '<<' && depth < MAX_MERGE_DEPTH && mergeSources(pair.value).length > 0));
  const out = own.map((pair) => ({ key: String((pair.key as Scalar).value), keyNode: pair.key as YamlNode, value: pair.value as YamlNode | null }));
  if (own.length === map.items.length || depth >= MAX_MERGE_DEPTH) return out;
  // Merged keys (`<<: *defaults`) the mapping does not write itself, the first merged mapping winning.
  const written = new Set(out.map((entry) => entry.key));
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.value !== '<<') continue;
    for (const merged of mergeSources(pair.value)) {
      if (--budget.merged < 0) return out;
      for (const entry of entries(merged, depth + 1, budget)) {
        if (written.has(entry.key)) continue;
        written.add(entry.key);
        out.push(entry);
      }
    }
  }
  return out;
}

/** The mappings a merge key's value names through resolved aliases (`*a`, `[*a, *b]`). */
function mergeSources(value: unknown): unknown[] {
  const sources = isSeq(value) ? value.items : [value];
  return sources.flatMap((source) => {
    const target = isAlias(source) ? aliasTargets.get(source) : undefined;
    return isMap(target) ? [target] : [];
  });
}

export type YamlValue =
  | { kind: 'string'; value: string; node: YamlNode }
  | { kind: 'number'; value: number; node: YamlNode }
  | { kind: 'bool'; value: boolean; node: YamlNode }
  | { kind: 'null'; node: YamlNode | null }
  | { kind: 'list'; items: YamlValue[]; node: YamlNode }
  | { kind: 'map'; node: YamlNode }
  | { kind: 'unknown'; reason: string; node: YamlNode };

/** What a value is, as far as the file shows: templated text, `${…}` variables, tags and aliases are unknown. */
export function valueOf(node: YamlNode | null | undefined): YamlValue {
  if (node === null || node === undefined) return { kind: 'null', node: node ?? null };
  if (isAlias(node)) return { kind: 'unknown', reason: 'an alias', node };
  const tag = (node as { tag?: string }).tag;
  if (tag && tag.startsWith('!') && !tag.startsWith('!!')) return { kind: 'unknown', reason: `a ${tag} value, resolved at deploy time`, node };
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'string') {
      if (value.includes(TEMPLATE_CHAR)) return { kind: 'unknown', reason: 'a template expression', node };
      if (/\$\{[^}]*\}/.test(value)) return { kind: 'unknown', reason: 'a variable resolved at deploy time', node };
      return { kind: 'string', value, node };
    }
    if (typeof value === 'number') return { kind: 'number', value, node };
    if (typeof value === 'boolean') return { kind: 'bool', value, node };
    if (value === null) return { kind: 'null', node };
    return { kind: 'unknown', reason: 'an unusual scalar', node };
  }
  if (isSeq(node)) return { kind: 'list', items: node.items.map((item) => valueOf(item as YamlNode | null)), node };
  if (isMap(node)) return { kind: 'map', node };
  return { kind: 'unknown', reason: 'unreadable', node };
}

/** Strings of a list (or a single string); undefined when any item is not a known string. */
export function stringList(value: YamlValue): Array<{ value: string; node: YamlNode }> | undefined {
  if (value.kind === 'string') return [{ value: value.value, node: value.node }];
  if (value.kind !== 'list') return undefined;
  const out: Array<{ value: string; node: YamlNode }> = [];
  for (const item of value.items) {
    if (item.kind === 'string') out.push({ value: item.value, node: item.node });
    else if (item.kind === 'number') out.push({ value: String(item.value), node: item.node });
    else return undefined;
  }
  return out;
}

export function asBool(value: YamlValue): boolean | 'unknown' | undefined {
  if (value.kind === 'null') return undefined;
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'string' && /^(true|false)$/i.test(value.value.trim())) return value.value.trim().toLowerCase() === 'true';
  return 'unknown';
}
