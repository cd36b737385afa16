import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { decodeText, readConfined, readRegularFile } from '../src/cli/safe-read.js';
import { cli } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

/**
 * A scanned repository is hostile: its `include`s and symlinks may point at secrets, devices,
 * FIFOs or anything outside it. The CLI is run as a separate process (so /proc/self/environ is
 * its own, holding a secret we set) on such a tree, in every output format: no byte of those
 * files may appear, memory stays bounded, and the run completes.
 */
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
const SECRET = 'CORS_LINT_SECRET_7f3a9c';
const OUTSIDE_SECRET = 'OUTSIDE_FILE_SECRET_91be';
const canFifo = spawnSync('sh', ['-c', 'command -v mkfifo'], { stdio: 'ignore' }).status === 0 && process.platform === 'linux';

function hostileTree(): string {
  const base = mkdtempSync(join(tmpdir(), 'cors-lint-confine-'));
  const root = join(base, 'repo');
  mkdirSync(join(root, 'nginx'), { recursive: true });
  // Outside the scanned root: a secret next to it, reached by ../ and by a symlink.
  writeFileSync(join(base, 'outside.conf'), `add_header X-Leak "${OUTSIDE_SECRET}";\n${OUTSIDE_SECRET} {\n`);
  symlinkSync(join(base, 'outside.conf'), join(root, 'nginx', 'linked.conf'));
  symlinkSync('/etc/passwd', join(root, 'nginx', 'passwd.conf'));
  symlinkSync('/dev/zero', join(root, 'nginx', 'zero.conf'));
  symlinkSync(base, join(root, 'nginx', 'up'));
  if (canFifo) {
    execFileSync('mkfifo', [join(root, 'nginx', 'pipe.conf')]);
    // A symlink inside the root to the FIFO: followed, but the FIFO is never opened for a blocking read.
    symlinkSync(join(root, 'nginx', 'pipe.conf'), join(root, 'nginx', 'pipe-link.conf'));
  }
  writeFileSync(
    join(root, 'nginx', 'site.conf'),
    [
      'server {',
      '    include /proc/self/environ;',
      '    include /etc/passwd;',
      '    include /dev/zero;',
      '    include /dev/stdin;',
      '    include ../../outside.conf;',
      '    include linked.conf;',
      '    include pipe.conf;',
      '    include pipe-link.conf;',
      '    include up/outside.conf;',
      '    location / {',
      '        add_header Access-Control-Allow-Origin *;',
      '    }',
      '}',
      '',
    ].join('\n'),
  );
  return root;
}

describe('file reads stay inside the scanned root', () => {
  it('includes of /proc/self/environ, /etc/passwd, /dev/zero, a FIFO and symlinks out of the root: nothing leaks, the run completes', () => {
    const root = hostileTree();
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n')[0];
    for (const args of [['-f', 'stylish', '--debug'], ['-f', 'json'], ['-f', 'sarif'], ['-f', 'github', '--debug'], ['-f', 'json', 'nginx/site.conf']]) {
      const started = Date.now();
      const result = spawnSync(process.execPath, ['--max-old-space-size=256', BIN, ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', LEAK_CANARY: SECRET },
        stdio: ['pipe', 'pipe', 'pipe'],
        input: `${SECRET} from stdin\n`,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.signal, `${args.join(' ')}: ${result.stderr}`).toBeNull();
      expect(Date.now() - started).toBeLessThan(60_000);
      expect([0, 1]).toContain(result.status);
      expect(output).not.toContain(SECRET);
      expect(output).not.toContain(OUTSIDE_SECRET);
      if (passwd) expect(output).not.toContain(passwd);
      expect(output).not.toContain('internal error');
      // The CORS finding of the file itself is still reported.
      expect(result.stdout).toMatch(/wildcard-origin|nginx-missing-always/);
      if (args.includes('--debug')) {
        expect(result.stderr).toMatch(/nginx\/site\.conf:6:\d+: include "\.\.\/\.\.\/outside\.conf" not read: path leaves the scanned folder/);
        expect(result.stderr).toMatch(/nginx\/linked\.conf: symlink leads out of the scanned folder; not followed/);
        expect(result.stderr).toMatch(/nginx\/zero\.conf: symlink leads out of the scanned folder/);
        if (canFifo) expect(result.stderr).toMatch(/nginx\/pipe\.conf: not a regular file/);
      }
    }
  }, 300_000);

  it.skipIf(!canFifo)('a FIFO or device named on the command line is refused without blocking', () => {
    const root = hostileTree();
    const result = spawnSync(process.execPath, [BIN, 'nginx/pipe.conf', '/dev/zero', '/dev/stdin'], { cwd: root, encoding: 'utf8', timeout: 30_000, input: `${SECRET}\n` });
    expect(result.signal).toBeNull();
    expect(result.stderr).toContain('nginx/pipe.conf: not a regular file');
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
  });

  it('a JavaScript config is refused, even named with --config: it is never run', async () => {
    const root = hostileTree();
    const marker = join(root, 'config-code-ran');
    for (const name of ['cors-lint.config.js', 'cors-lint.config.cjs', 'cors-lint.config.mjs']) {
      writeFileSync(join(root, name), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { rules: {} };\n`);
      const { code, stderr } = await cli(['--config', name], root);
      expect(code).toBe(2);
      expect(stderr).toContain('a config file must be JSON or YAML');
      expect(existsSync(marker)).toBe(false);
    }
    // A config that is a symlink to another file is read, but a parse failure never quotes it.
    symlinkSync('/etc/passwd', join(root, 'passwd.json'));
    const leaked = await cli(['--config', 'passwd.json'], root);
    expect(leaked.code).toBe(2);
    expect(leaked.stderr).toContain('not valid JSON');
    expect(leaked.stderr).not.toContain(readFileSync('/etc/passwd', 'utf8').slice(0, 6));
    // JSON and YAML named the same way still load.
    writeFileSync(join(root, 'ci.yaml'), 'rules:\n  nginx-missing-always: "off"\n');
    expect((await cli(['--config', 'ci.yaml', '-f', 'json'], root)).stdout).not.toContain('nginx-missing-always');
  });

  it('readConfined refuses absolute paths, ../ and symlinks out; readRegularFile has a size cap', () => {
    const root = hostileTree();
    expect(readConfined([root], root, '/etc/passwd')).toEqual({ error: expect.stringContaining('absolute') });
    expect(readConfined([root], root, '../outside.conf')).toEqual({ error: expect.stringContaining('leaves the scanned folder') });
    expect(readConfined([root], root, 'nginx/linked.conf')).toEqual({ error: expect.stringContaining('symlink leads out') });
    expect(readConfined([root], root, 'nginx/up/outside.conf')).toEqual({ error: expect.stringContaining('symlink leads out') });
    expect(readConfined([root], root, 'nginx/site.conf')).toMatchObject({ text: expect.stringContaining('server {') });
    // A missing file, and a path through a file: the codes the hosts read as "not there" (the first without an exception).
    expect(readConfined([root], root, 'nginx/missing.conf')).toEqual({ error: 'ENOENT' });
    expect(readConfined([root], root, 'nginx/site.conf/below.conf')).toEqual({ error: 'ENOTDIR' });
    // One list of roots asked again (its resolved roots are kept): the same answers.
    const roots = [root];
    for (let round = 0; round < 2; round++) {
      expect(readConfined(roots, root, 'nginx/linked.conf')).toEqual({ error: expect.stringContaining('symlink leads out') });
      expect(readConfined(roots, root, '../outside.conf')).toEqual({ error: expect.stringContaining('leaves the scanned folder') });
      expect(readConfined(roots, root, 'nginx/site.conf')).toMatchObject({ text: expect.stringContaining('server {') });
    }
    writeFileSync(join(root, 'big.conf'), 'x'.repeat(2048));
    expect(readRegularFile(join(root, 'big.conf'), { maxBytes: 1024 })).toEqual({ error: expect.stringContaining('larger than') });
    expect(readRegularFile('/dev/zero')).toEqual({ error: expect.stringContaining('not a regular file') });
  });

  it('readRegularFile reads exactly the file at every size around its scratch buffer (1 MB) and its caps', () => {
    const root = mkdtempSync(join(tmpdir(), 'cors-lint-read-'));
    const file = (name: string, text: string | Buffer) => {
      writeFileSync(join(root, name), text);
      return join(root, name);
    };
    for (const size of [0, 1, 1023, 1024, 1025, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 7]) {
      const text = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      expect(readRegularFile(file(`f${size}.txt`, text))).toEqual({ text });
    }
    expect(readRegularFile(file('cap.txt', 'x'.repeat(1024)), { maxBytes: 1024 })).toEqual({ text: 'x'.repeat(1024) });
    expect(readRegularFile(file('over.txt', 'x'.repeat(1025)), { maxBytes: 1024 })).toEqual({ error: expect.stringContaining('larger than') });
    // UTF-8 split nowhere: the text is decoded once, from the whole file.
    expect(readRegularFile(file('utf8.txt', 'é€😀'.repeat(1000)))).toEqual({ text: 'é€😀'.repeat(1000) });
    expect(readRegularFile(root)).toEqual({ error: 'a folder' });
    expect(readRegularFile('/dev/null')).toEqual({ error: expect.stringContaining('not a regular file') });
  });

  it.skipIf(!canFifo)('readRegularFile never reads a FIFO, not even one whose writer has data waiting (it stays in the FIFO)', () => {
    const root = mkdtempSync(join(tmpdir(), 'cors-lint-fifo-'));
    const fifo = join(root, 'site.conf');
    execFileSync('mkfifo', [fifo]);
    // Opened for reading and writing, a FIFO on Linux never blocks: this is the writer, with data in the pipe.
    const writer = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      writeSync(writer, 'server { add_header Access-Control-Allow-Origin *; }\n');
      expect(readRegularFile(fifo, { noFollow: true })).toEqual({ error: expect.stringContaining('not a regular file') });
      const left = Buffer.alloc(100);
      expect(left.toString('utf8', 0, readSync(writer, left))).toContain('Access-Control-Allow-Origin');
    } finally {
      closeSync(writer);
    }
  });
});

describe('text encodings: UTF-16 with a byte-order mark is read as text', () => {
  it('decodes little- and big-endian UTF-16 after the mark (kept as U+FEFF), leaves UTF-32 and unmarked files to UTF-8, and replaces lone surrogates in place', () => {
    const text = 'server {\n  add_header Access-Control-Allow-Origin "https://é.example" always; # \u{1F600}\n}\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    expect(decodeText(le, le.length)).toBe(`\ufeff${text}`);
    expect(decodeText(be, be.length)).toBe(`\ufeff${text}`);
    // An odd last byte is no character.
    expect(decodeText(Buffer.concat([le, Buffer.from([0x41])]), le.length + 1)).toBe(`\ufeff${text}`);
    expect(decodeText(Buffer.concat([be, Buffer.from([0x41])]), be.length + 1)).toBe(`\ufeff${text}`);
    // UTF-32LE's mark (FF FE 00 00) is not taken for UTF-16: the NULs leave it binary.
    const utf32 = Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]);
    expect(decodeText(utf32, utf32.length)).toBe(utf32.toString('utf8'));
    const utf8 = Buffer.from(`\ufeff${text}`, 'utf8');
    expect(decodeText(utf8, utf8.length)).toBe(`\ufeff${text}`);
    // A high surrogate without its pair, and a low one alone: one U+FFFD each, positions kept.
    const broken = Buffer.from([0xff, 0xfe, 0x3d, 0xd8, 0x41, 0x00, 0x00, 0xde, 0x42, 0x00]);
    expect(decodeText(broken, broken.length)).toBe('\ufeff\ufffdA\ufffdB');
    expect(decodeText(Buffer.from([0xff]), 1)).toBe('\ufffd');
  });

  it('the CLI lints a UTF-16 file as the editor shows it (PowerShell 5 writes UTF-16LE)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cors-lint-utf16-'));
    const yaml = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: x\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "*"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: "true"\nspec:\n  rules: []\n';
    writeFileSync(join(dir, 'ingress.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(yaml, 'utf16le')]));
    const run = spawnSync(process.execPath, [BIN, '-f', 'json', 'ingress.yaml'], { cwd: dir, encoding: 'utf8' });
    const [file] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string; line: number; column: number }> }>;
    expect(file.messages.map((m) => `${m.ruleId}@${m.line}:${m.column}`)).toEqual(['credentials-wildcard-origin@7:53']);
    // --fix writes the file back in its own encoding.
    const js = "const cors = require('cors');\napp.use(cors({ origin: 'https://app.example.com/', credentials: true }));\n";
    writeFileSync(join(dir, 'le.js'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(js, 'utf16le')]));
    writeFileSync(join(dir, 'be.js'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(js, 'utf16le').swap16()]));
    spawnSync(process.execPath, [BIN, '--fix', 'le.js', 'be.js'], { cwd: dir, encoding: 'utf8' });
    const fixed = js.replace('example.com/', 'example.com');
    expect(readFileSync(join(dir, 'le.js'))).toEqual(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fixed, 'utf16le')]));
    expect(readFileSync(join(dir, 'be.js'))).toEqual(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(fixed, 'utf16le').swap16()]));
  });
});
