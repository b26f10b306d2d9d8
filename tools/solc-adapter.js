#!/usr/bin/env node
// The native `solc` command-line surface that py-solc-x (ape-solidity), forge,
// Slither and Halmos use, answered by solc-js (the official compiler built to
// WebAssembly), because no native solc can be downloaded on offline machines.
//
// Supported:
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths A,B]  < input.json
//   solc --combined-json abi,bin,... [--base-path P] [--include-path P]... [remap=target]... file.sol...
//
// The compiler version answered by --version is the pinned one (PINNED below),
// checked against the installed solc-js by the adapter's tests, so that
// `--version` does not pay the ~1 s it takes to load the WebAssembly compiler.
'use strict';

const fs = require('fs');
const path = require('path');

const PINNED = '0.8.28+commit.7893614a.Emscripten.clang';

function fail(message, code = 1) {
  process.stderr.write(`solc-adapter: ${message}\n`);
  process.exitCode = code;
}

function parseArgs(argv) {
  const opts = { basePath: null, includePaths: [], allowPaths: [], remappings: [], files: [], combined: null, standardJson: false, version: false, unknown: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const takeValue = () => {
      const eq = arg.indexOf('=');
      if (arg.startsWith('--') && eq > 0) return arg.slice(eq + 1);
      i += 1;
      return argv[i];
    };
    const name = arg.startsWith('--') ? arg.split('=')[0] : arg;
    switch (name) {
      case '--version': case '-v': opts.version = true; break;
      case '--standard-json': opts.standardJson = true; break;
      case '--base-path': opts.basePath = takeValue(); break;
      case '--include-path': opts.includePaths.push(takeValue()); break;
      case '--allow-paths': opts.allowPaths.push(...takeValue().split(',')); break;
      case '--combined-json': opts.combined = takeValue().split(','); break;
      // Flags that only change what the native binary prints or optimises in
      // plain mode; accepted so that tools passing them keep working.
      case '--optimize': opts.optimize = true; break;
      case '--optimize-runs': opts.runs = Number(takeValue()); break;
      case '--evm-version': opts.evmVersion = takeValue(); break;
      case '--via-ir': opts.viaIR = true; break;
      case '--no-color': case '--pretty-json': break;
      default:
        if (arg.startsWith('-')) opts.unknown.push(arg);
        else if (/^[^=]*=/.test(arg) && !arg.endsWith('.sol')) opts.remappings.push(arg);
        else opts.files.push(arg);
    }
  }
  return opts;
}

function readStdin() {
  return fs.readFileSync(0, 'utf8');
}

// Resolves an import the way the native compiler's file reader does: relative
// to the base path first, then to each include path, then as given.
function makeImportCallback(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of candidates) {
      try {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      } catch (_) { /* try the next root */ }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(', ')})` };
  };
}

function compile(input, opts) {
  const solc = require('solc');
  const output = solc.compile(JSON.stringify(input), { import: makeImportCallback(opts) });
  return JSON.parse(output);
}

function hasErrors(output) {
  return (output.errors || []).some((e) => e.severity === 'error');
}

function writeAndEnd(text) {
  // Let the process end by itself once stdout drains: calling process.exit()
  // right after a large write cuts piped output at 64 KiB.
  process.stdout.write(text);
}

function standardJson(opts) {
  let input;
  try {
    input = JSON.parse(readStdin());
  } catch (err) {
    writeAndEnd(JSON.stringify({ errors: [{ severity: 'error', type: 'JSONError', component: 'general', message: `Input is not valid JSON: ${err.message}`, formattedMessage: `JSONError: ${err.message}` }] }));
    return;
  }
  // Native solc reports compile errors inside the JSON and exits 0; so do we.
  writeAndEnd(JSON.stringify(compile(input, opts)));
}

const COMBINED_FIELDS = {
  abi: ['abi'],
  bin: ['evm.bytecode.object'],
  'bin-runtime': ['evm.deployedBytecode.object'],
  srcmap: ['evm.bytecode.sourceMap'],
  'srcmap-runtime': ['evm.deployedBytecode.sourceMap'],
  hashes: ['evm.methodIdentifiers'],
  userdoc: ['userdoc'],
  devdoc: ['devdoc'],
  metadata: ['metadata'],
  'storage-layout': ['storageLayout'],
  opcodes: ['evm.bytecode.opcodes'],
  asm: ['evm.legacyAssembly'],
  'generated-sources': ['evm.bytecode.generatedSources'],
  'generated-sources-runtime': ['evm.deployedBytecode.generatedSources'],
};

function pick(object, dotted) {
  return dotted.split('.').reduce((acc, key) => (acc == null ? acc : acc[key]), object);
}

function combinedJson(opts) {
  if (opts.files.length === 0) {
    fail('--combined-json needs at least one source file');
    return;
  }
  const base = opts.basePath || process.cwd();
  const sources = {};
  for (const file of opts.files) {
    const key = path.isAbsolute(file) ? path.relative(base, file) : file;
    sources[key] = { content: fs.readFileSync(path.resolve(base, key), 'utf8') };
  }
  const requested = opts.combined.filter((f) => f !== 'compact-format' && f !== 'ast');
  const outputs = new Set(['abi']);
  for (const field of requested) for (const sel of COMBINED_FIELDS[field] || []) outputs.add(sel);
  const settings = {
    remappings: opts.remappings,
    optimizer: { enabled: Boolean(opts.optimize), runs: opts.runs || 200 },
    outputSelection: { '*': { '*': [...outputs], '': ['ast'] } },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  if (opts.viaIR) settings.viaIR = true;
  const output = compile({ language: 'Solidity', sources, settings }, opts);
  for (const e of output.errors || []) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (hasErrors(output)) {
    process.exitCode = 1;
    return;
  }
  const contracts = {};
  for (const [file, byName] of Object.entries(output.contracts || {})) {
    for (const [name, c] of Object.entries(byName)) {
      const entry = {};
      for (const field of requested) {
        const sel = (COMBINED_FIELDS[field] || [])[0];
        if (!sel) continue;
        let value = pick(c, sel);
        if (field === 'metadata' && typeof value !== 'string') value = JSON.stringify(value);
        entry[field] = value === undefined ? '' : value;
      }
      contracts[`${file}:${name}`] = entry;
    }
  }
  const sourceList = Object.keys(output.sources || {}).sort((a, b) => output.sources[a].id - output.sources[b].id);
  const astSources = {};
  for (const file of sourceList) astSources[file] = { AST: output.sources[file].ast, id: output.sources[file].id };
  writeAndEnd(JSON.stringify({ contracts, sourceList, sources: astSources, version: PINNED }));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.unknown.length) {
    fail(`unsupported option(s): ${opts.unknown.join(' ')}`, 2);
    return;
  }
  if (opts.version) {
    writeAndEnd(`solc, the solidity compiler commandline interface\nVersion: ${PINNED}\n`);
  } else if (opts.standardJson) {
    standardJson(opts);
  } else if (opts.combined) {
    combinedJson(opts);
  } else {
    fail('expected --version, --standard-json or --combined-json', 2);
  }
}

main();
