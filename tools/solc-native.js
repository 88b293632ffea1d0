#!/usr/bin/env node
// A native-solc-compatible front for the npm `solc` (WebAssembly) compiler.
//
// py-solc-x (and so Brownie) and Slither expect a native `solc` binary; the
// official downloads are unreachable here, so this wrapper answers the two
// calls they make: `--version` and `--standard-json` (input on stdin, output
// on stdout), resolving imports from the file system as native solc does.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

function nativeVersion() {
  // py-solc-x parses "Version: X.Y.Z+commit.HASH.<platform>"; report the
  // platform a native Linux build would, so version checks accept it.
  return solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
}

function parseArgs(argv) {
  const opts = { basePath: process.cwd(), includePaths: [], allowPaths: [], standardJson: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--version': opts.version = true; break;
      case '--standard-json': opts.standardJson = true; break;
      case '--base-path': opts.basePath = path.resolve(value()); break;
      case '--include-path': opts.includePaths.push(path.resolve(value())); break;
      case '--allow-paths': opts.allowPaths.push(...value().split(',').filter(Boolean).map((p) => path.resolve(p))); break;
      default:
        // Options native solc accepts that change nothing for standard JSON
        // compilation (e.g. --no-color) are ignored rather than refused.
        if (!flag.startsWith('--')) {
          process.stderr.write(`solc-native: only --standard-json input is supported (got ${arg})\n`);
          process.exit(1);
        }
    }
  }
  return opts;
}

function makeImportReader(opts) {
  const roots = [opts.basePath, ...opts.includePaths];
  // As native solc: files are read only inside the base path, the include
  // paths and the --allow-paths directories.
  const allowed = [...roots, ...opts.allowPaths];
  const isAllowed = (file) => allowed.some((dir) => {
    const rel = path.relative(dir, file);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
  return function findImports(importPath) {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      if (!isAllowed(path.resolve(candidate))) {
        return { error: `${candidate} is outside the allowed directories (${allowed.join(', ')}); pass --allow-paths` };
      }
      try {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      } catch (err) {
        if (err.code !== 'ENOENT' && err.code !== 'EISDIR') return { error: `${candidate}: ${err.message}` };
      }
    }
    return { error: `File not found. Searched: ${candidates.join(', ')}` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`);
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write('solc-native: pass --standard-json (input on stdin) or --version\n');
    process.exitCode = 1;
    return;
  }
  const input = fs.readFileSync(0, 'utf8');
  const output = solc.compile(input, { import: makeImportReader(opts) });
  // No process.exit() here: it can cut off a large stdout write; the process
  // ends by itself once the pipe drains.
  process.stdout.write(output);
}

main();
