// Bundles the CLI into dist/cli/ for what a pre-commit hook pays on every commit: a one-file cold
// start. Measured on Node 20, a run spent most of its time above `node -e 0` loading and compiling
// the program: ESM chunks and the CommonJS packages they import, which Node 20 cannot cache. So:
//   bin.js          ESM, a few lines: `--version` answers from here (the version is inlined), other
//                   commands load one CommonJS bundle through loader.cjs;
//   run.cjs         the CLI (lint, explain, simulate, fix) with its small dependencies;
//   lsp.cjs         the language server;
//   worker.cjs      one shard of a `--jobs` run (src/cli/pool-worker.ts), started through the
//                   pool-worker.js next to bin.js that src/cli/pool.ts looks for;
//   reader.cjs      the reading thread of a large run (src/cli/read-worker.ts), started through
//                   read-worker.js next to it (src/cli/read-threads.ts);
//   lib-*.cjs       each library that only some inputs need (a parser per format, the regex engines),
//                   loaded on first use through src/util/load-library.ts;
//   loader.cjs      loads those files through the V8 code cache (src/cli/code-cache.ts).
// A library is never inlined into run.cjs or lsp.cjs (the build fails if one is): a run over nginx
// files alone loads neither Babel, nor yaml, nor Lezer.
import { parse as parseJs } from '@babel/parser';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WRAPPER_END, WRAPPER_START } from '../dist/src/cli/code-cache.js';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist', 'cli');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Each lib-*.cjs file and the libraries it holds: those that share one file share their
// dependencies' instances (a Lezer TreeFragment from @lezer/common is the one @lezer/python reads).
// Keep in step with LIBRARY_NAMES in src/util/load-library.ts (checked below).
const LIBRARY_FILES = {
  'lib-yaml': ['yaml'],
  'lib-babel_parser': ['@babel/parser'],
  'lib-lezer_python': ['@lezer/python', '@lezer/common'],
  'lib-re2js': ['re2js'],
  'lib-eslint_community_regexpp': ['@eslint-community/regexpp'],
  'lib-toml_eslint_parser': ['toml-eslint-parser'],
};
const LIBRARIES = Object.values(LIBRARY_FILES).flat();
const fileOf = (library) => Object.keys(LIBRARY_FILES).find((file) => LIBRARY_FILES[file].includes(library));

const loadLibrarySource = readFileSync(join(root, 'src', 'util', 'load-library.ts'), 'utf8');
const declared = /LIBRARY_NAMES[^=]*=\s*\[([^\]]*)\]/.exec(loadLibrarySource)?.[1].match(/'[^']+'/g)?.map((name) => name.slice(1, -1)) ?? [];
if (JSON.stringify([...declared].sort()) !== JSON.stringify([...LIBRARIES].sort())) throw new Error(`bundle.mjs: LIBRARY_FILES (${LIBRARIES}) and LIBRARY_NAMES in src/util/load-library.ts (${declared}) differ`);

rmSync(outdir, { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none', logLevel: 'silent', metafile: true };
// `import.meta.url` in CommonJS: the sources use it for createRequire (built-ins loaded on first use)
// and to find files next to the bundle. Made on first use: pathToFileURL and the createRequire calls
// it fed at load cost every run about 2-4 ms of CPU (--cpu-prof, one-file nginx run), and most runs
// never need it. `import.meta.dirname` is __dirname.
const importMeta = {
  define: { 'import.meta.url': '__import_meta.url', 'import.meta.dirname': '__dirname' },
  banner: { js: 'var __import_meta = { get url() { var url = require("node:url").pathToFileURL(__filename).href; Object.defineProperty(this, "url", { value: url }); return url; } };' },
};
const inputs = new Set();
async function run(options) {
  const result = await build({ ...common, ...options });
  if (result.warnings.length > 0) throw new Error(`bundle.mjs: ${result.warnings.map((w) => w.text).join('; ')}`);
  for (const input of Object.keys(result.metafile.inputs)) inputs.add(input);
  return result;
}

// linearStrings' self-check (src/extract/python/linear-strings.ts) on the Lezer that lib-lezer_python
// bundles, run here once (tsc has built dist/src): the bundles carry its verdict instead of
// running it in every process. A Lezer whose internals it does not know gives false, and the
// bundles run the check themselves as before (and keep the original parser).
const { linearStrings, linearStringsActive, stringsTokenizerOf } = await import(pathToFileURL(join(root, 'dist', 'src', 'extract', 'python', 'linear-strings.js')).href);
const buildParser = createRequire(join(root, 'package.json'))('@lezer/python').parser;
linearStrings(buildParser, false);
const linearStringsChecked = linearStringsActive();
// And where the strings tokenizer is, so the bundles do not find it by a watched parse on every run.
const stringsAtBuild = linearStringsChecked ? stringsTokenizerOf(buildParser) : undefined;

// Seams swapped in the bundles: libraries come from their lib-*.cjs, the version is inlined, the
// self-check's verdict is the one above.
const seams = {
  name: 'cors-lint-seams',
  setup(b) {
    const ours = (args) => args.importer.startsWith(join(root, 'src') + sep);
    b.onResolve({ filter: /(^|\/)load-library\.js$/ }, (args) => (ours(args) ? { path: 'load-library', namespace: 'seam' } : undefined));
    b.onResolve({ filter: /^\.\/version\.js$/ }, (args) => (ours(args) ? { path: 'version', namespace: 'seam' } : undefined));
    b.onResolve({ filter: /^\.\/linear-strings-checked\.js$/ }, (args) => (ours(args) ? { path: 'linear-strings-checked', namespace: 'seam' } : undefined));
    b.onLoad({ filter: /^linear-strings-checked$/, namespace: 'seam' }, () => ({ contents: `export const CHECKED_AT_BUILD = ${linearStringsChecked};\nexport const STRINGS_AT_BUILD = ${JSON.stringify(stringsAtBuild)};`, loader: 'js' }));
    b.onResolve({ filter: /^\.\/loader\.cjs$/ }, () => ({ path: './loader.cjs', external: true }));
    b.onLoad({ filter: /^load-library$/, namespace: 'seam' }, () => ({
      contents: `import { load, coverCodePath } from './loader.cjs';
const files = ${JSON.stringify(Object.fromEntries(LIBRARIES.map((library) => [library, fileOf(library)])))};
export const LIBRARY_NAMES = Object.keys(files);
export function loadLibrary(name) { return load(files[name])[name]; }
export function noteCodePath(tag) { coverCodePath(tag); }`,
      loader: 'js',
      resolveDir: outdir,
    }));
    b.onLoad({ filter: /^version$/, namespace: 'seam' }, () => ({ contents: `export function version() { return ${JSON.stringify(pkg.version)}; }`, loader: 'js' }));
  },
};

// Lezer's Python parser, made at build time what every run made of it at load. A one-file Python
// run built it from its generated source on every start: four tables (31,000 characters in Lezer's
// text encoding) decoded one character at a time in cold, interpreted JavaScript, and the editor
// highlighting props (@lezer/highlight's tags and a styleTags spec parsed into every node type),
// which nothing here reads (--cpu-prof: 10 of the 22 profiled ms of loading lib-lezer_python).
// The tables are taken decoded from the parser Lezer itself built here, shipped as one base64
// block (native decoding) and handed to LRParser.deserialize as the typed arrays it decodes them
// into (it takes an array as it is); the highlighting is left out. The trees are the same, node
// for node (checked below, after the bundle is written, on every Python file of the fixtures).
const lezerPythonPrebuilt = {
  name: 'cors-lint-lezer-python-prebuilt',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@lezer[\\/]python[\\/]dist[\\/]index\.cjs$/ }, (args) => ({ contents: prebuiltLezerPython(readFileSync(args.path, 'utf8')), loader: 'js' }));
  },
};

function prebuiltLezerPython(source) {
  const tokenGroups = buildParser.tokenizers.filter((tokenizer) => tokenizer?.data instanceof Uint16Array);
  if (tokenGroups.length === 0 || tokenGroups.some((group) => group.data !== tokenGroups[0].data)) throw new Error('bundle.mjs: @lezer/python: its token groups do not share one table');
  const tables = [
    ['states', buildParser.states, Uint32Array],
    ['stateData', buildParser.data, Uint16Array],
    ['goto', buildParser.goto, Uint16Array],
    ['tokenData', tokenGroups[0].data, Uint16Array],
  ];
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const parts = [];
  let offset = 0;
  let out = source;
  const replaceOnce = (from, to) => {
    const at = out.indexOf(from);
    if (at === -1 || out.indexOf(from, at + 1) !== -1) throw new Error(`bundle.mjs: @lezer/python: expected one ${JSON.stringify(from.slice(0, 40))}`);
    out = out.slice(0, at) + to + out.slice(at + from.length);
  };
  const swaps = [];
  for (const [key, table, Type] of tables) {
    if (!(table instanceof Type)) throw new Error(`bundle.mjs: @lezer/python: ${key} is not a ${Type.name}`);
    const match = new RegExp(`\\n  ${key}: ("(?:[^"\\\\\\n]|\\\\.)*"),\\n`).exec(out);
    if (!match) throw new Error(`bundle.mjs: @lezer/python: no ${key} string`);
    const bytes = Buffer.from(new Uint8Array(table.buffer, table.byteOffset, table.byteLength));
    if (!littleEndian) (Type === Uint32Array ? bytes.swap32() : bytes.swap16());
    const padding = (4 - (offset % 4)) % 4;
    parts.push(Buffer.alloc(padding), bytes);
    offset += padding;
    replaceOnce(match[0], `\n  ${key}: new ${Type.name}(prebuiltTables, ${offset}, ${table.length}),\n`);
    swaps.push(`${Type === Uint32Array ? 'swap32' : 'swap16'}(${offset}, ${table.byteLength})`);
    offset += bytes.length;
  }
  const highlighting = /\nconst pythonHighlighting = highlight\.styleTags\(\{\n[^]*?\n\}\);\n/.exec(out);
  if (!highlighting) throw new Error('bundle.mjs: @lezer/python: no pythonHighlighting');
  replaceOnce(highlighting[0], '\n');
  replaceOnce("\nvar highlight = require('@lezer/highlight');\n", '\n');
  replaceOnce('\n  propSources: [pythonHighlighting],\n', '\n');
  if (/\bhighlight\b|pythonHighlighting/.test(out)) throw new Error('bundle.mjs: @lezer/python: highlighting left after it was taken out');
  const block = Buffer.concat(parts).toString('base64');
  // Little-endian in the file; a big-endian machine swaps each table in place.
  const prelude = `const prebuiltTables = (() => {
  const bytes = Buffer.from(${JSON.stringify(block)}, "base64");
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    const swap16 = (at, length) => Buffer.from(buffer, at, length).swap16();
    const swap32 = (at, length) => Buffer.from(buffer, at, length).swap32();
    ${swaps.join(';\n    ')};
  }
  return buffer;
})();
`;
  return prelude + out;
}

// 1. The libraries, each file on its own.
for (const [file, libraries] of Object.entries(LIBRARY_FILES)) {
  const contents = libraries.map((library) => `exports[${JSON.stringify(library)}] = require(${JSON.stringify(library)});`).join('\n');
  await run({ stdin: { contents, resolveDir: root, loader: 'js', sourcefile: `${file}.js` }, outfile: join(outdir, `${file}.cjs`), plugins: file === 'lib-lezer_python' ? [lezerPythonPrebuilt] : [] });
}
sameLezerPythonTrees(join(outdir, 'lib-lezer_python.cjs'));

/** The prebuilt parser gives the trees Lezer's own gives: every node's type and span, on the fixtures' Python files and a few edge cases. */
function sameLezerPythonTrees(file) {
  const prebuilt = createRequire(file)(file)['@lezer/python'].parser;
  const texts = ['', 'x = 1\n', "def f(:\n  return '\n", 'if x:\n\tpass\n  else\n', 'print "a"\n'];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.py')) texts.push(readFileSync(join(dir, entry.name), 'utf8'));
    }
  };
  walk(join(root, 'fixtures'));
  const shape = (tree) => {
    const out = [];
    tree.iterate({ enter: (node) => void out.push(`${node.type.id}:${node.type.name}:${node.from}-${node.to}`) });
    return out.join(' ');
  };
  for (const text of texts) {
    if (shape(prebuilt.parse(text)) !== shape(buildParser.parse(text))) throw new Error(`bundle.mjs: the prebuilt @lezer/python parser gives another tree than Lezer's for ${JSON.stringify(text.slice(0, 60))}`);
  }
}

// 2. The CLI and the language server, their small dependencies inlined.
for (const [name, entry] of [['run', 'src/cli/run.ts'], ['lsp', 'src/lsp/server.ts'], ['worker', 'src/cli/pool-worker.ts'], ['reader', 'src/cli/read-worker.ts']]) {
  const result = await run({ entryPoints: [join(root, entry)], outfile: join(outdir, `${name}.cjs`), plugins: [seams], ...importMeta });
  const inlined = Object.keys(result.metafile.inputs).filter((input) => LIBRARIES.some((library) => input.includes(`node_modules/${library}/`) || input.includes('node_modules/@lezer/')));
  if (inlined.length > 0) throw new Error(`bundle.mjs: ${name}.cjs inlines a library that must stay lazy: ${inlined.slice(0, 3).join(', ')}`);
  // A package required at run time (createRequire) instead of through loadLibrary would be read from node_modules, outside the bundle.
  const required = [...readFileSync(join(outdir, `${name}.cjs`), 'utf8').matchAll(/createRequire\)\(__import_meta\.url\)\(["']([^"']+)["']\)/g)].map((m) => m[1]).filter((id) => !id.startsWith('node:'));
  if (required.length > 0) throw new Error(`bundle.mjs: ${name}.cjs requires ${required.join(', ')} at run time; load it through src/util/load-library.ts`);
}

for (const file of readdirSync(outdir).filter((f) => f.endsWith('.cjs'))) asciiOnly(join(outdir, file));

// V8 keeps a source with a single non-ASCII character as a two-byte string: run.cjs was then read
// through the UTF-8 decoder into 2.4 MB instead of a one-byte copy of its 1.2 MB, and every lazy
// compile scanned that. esbuild escapes strings and names but leaves comments and regex literals
// as written (a '…' in a comment, /§+/): those are escaped here (\uXXXX means the same in a
// comment, a regex literal and a string), and any other non-ASCII character fails the build. The
// loader (src/cli/code-cache.ts) then reads each file as latin1, a plain copy.
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  if (!/[^\0-\x7f]/.test(text)) return;
  const ast = parseJs(text, { sourceType: 'script', tokens: true, allowReturnOutsideFunction: true });
  const ranges = [...ast.comments, ...ast.tokens.filter((token) => token.type?.label === 'regexp' || token.type?.label === 'string')].map((node) => [node.start, node.end]).sort((a, b) => a[0] - b[0]);
  let out = '';
  let last = 0;
  let range = 0;
  for (const match of text.matchAll(/[^\0-\x7f]/g)) {
    while (range < ranges.length && ranges[range][1] <= match.index) range++;
    if (range === ranges.length || ranges[range][0] > match.index) throw new Error(`bundle.mjs: ${file} has a non-ASCII character outside a comment, string or regex literal at offset ${match.index}`);
    out += text.slice(last, match.index) + `\\u${match[0].charCodeAt(0).toString(16).padStart(4, '0')}`;
    last = match.index + 1;
  }
  out += text.slice(last);
  parseJs(out, { sourceType: 'script', allowReturnOutsideFunction: true });
  writeFileSync(file, out);
}

// Each file the loader runs is written inside the function it is compiled as (code-cache.ts): the
// loader compiles the text it reads, instead of a second copy with the wrapper added.
for (const file of readdirSync(outdir).filter((f) => f.endsWith('.cjs'))) writeFileSync(join(outdir, file), `${WRAPPER_START}${readFileSync(join(outdir, file), 'latin1')}${WRAPPER_END}`, 'latin1');

// 3. The loader knows each file's content hash: a cache is used only for the build it was made from.
const hashes = {};
for (const file of readdirSync(outdir).filter((f) => f.endsWith('.cjs'))) {
  hashes[file.slice(0, -'.cjs'.length)] = createHash('sha256').update(readFileSync(join(outdir, file))).digest('hex').slice(0, 16);
}
await run({
  stdin: { contents: `import { bundleLoader } from './src/cli/code-cache.ts';\nexport { coverCodePath } from './src/cli/code-cache.ts';\nexport const load = bundleLoader(__dirname, ${JSON.stringify(hashes)});\n`, resolveDir: root, loader: 'ts', sourcefile: 'loader.ts' },
  outfile: join(outdir, 'loader.cjs'),
});

// 4. The command: bin.ts with `run.js` and the server loaded through the loader. CommonJS (dist/cli
// gets a package.json saying so, the path stays what package.json's `bin` names): an ES module
// entry would make Node 20 load its ESM loader, fs/promises and readline on every run.
const entries = {
  name: 'cors-lint-bin',
  setup(b) {
    const viaLoader = (name, exported) => `export function ${exported}(...args) { return require('./loader.cjs').load('${name}').${exported}(...args); }\n`;
    b.onResolve({ filter: /^\.\/run\.js$/ }, () => ({ path: 'run', namespace: 'entry' }));
    b.onResolve({ filter: /\/lsp\/server\.js$/ }, () => ({ path: 'lsp', namespace: 'entry' }));
    b.onLoad({ filter: /^run$/, namespace: 'entry' }, () => ({ contents: viaLoader('run', 'runCli'), loader: 'js' }));
    b.onLoad({ filter: /^lsp$/, namespace: 'entry' }, () => ({ contents: viaLoader('lsp', 'startServer') + viaLoader('lsp', 'launchServer'), loader: 'js' }));
  },
};
await run({ entryPoints: [join(root, 'src', 'cli', 'bin.ts')], outfile: join(outdir, 'bin.js'), plugins: [entries, seams] });
writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
// The language server's thread (launchServer in src/lsp/server.ts), next to the bundle it loads.
writeFileSync(join(outdir, 'lsp-worker.js'), "// The language server's worker thread (src/lsp/server.ts): the server, through the code cache.\nrequire('./loader.cjs').load('lsp').startServer();\n");
writeFileSync(join(outdir, 'pool-worker.js'), "// A worker thread of `--jobs` (src/cli/pool.ts): the shard's code, through the code cache.\nrequire('./loader.cjs').load('worker');\n");
writeFileSync(join(outdir, 'read-worker.js'), "// The reading thread of a large run (src/cli/read-threads.ts): its code, through the code cache.\nrequire('./loader.cjs').load('reader');\n");
asciiOnly(join(outdir, 'bin.js'));
asciiOnly(join(outdir, 'loader.cjs'));
chmodSync(join(outdir, 'bin.js'), 0o755);

// 5. The licences of the packages now inside dist/cli.
const packages = new Map();
for (const input of inputs) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.split(sep).join('/'));
  if (match) packages.set(match[1], join(root, 'node_modules', match[1]));
}
const notices = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => {
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licence = readdirSync(dir).find((file) => /^(licen[cs]e|copying)/i.test(file));
  return `${name}@${meta.version} (${meta.license ?? 'see package'})\n\n${licence ? readFileSync(join(dir, licence), 'utf8').trim() : ''}\n`;
});
writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), `dist/cli bundles these packages:\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`);
