// Validates AsyncAPI documents with the official parser and prints every diagnostic.
// Usage: node validate.mjs <file>...   Exit code 1 when any document has an error-level diagnostic.
import { resolve } from 'node:path';
import { DiagnosticSeverity, Parser, fromFile } from '@asyncapi/parser';

const SEVERITY_NAMES = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

function describe(file, diagnostic) {
  const where = diagnostic.path && diagnostic.path.length ? diagnostic.path.join('.') : '(document)';
  const line = diagnostic.range ? diagnostic.range.start.line + 1 : '?';
  const severity = SEVERITY_NAMES[diagnostic.severity] ?? String(diagnostic.severity);
  return `${file}:${line}: ${severity} [${diagnostic.code}] ${where}: ${diagnostic.message}`;
}

async function countErrors(parser, file) {
  const { document, diagnostics } = await fromFile(parser, resolve(file)).parse();
  for (const diagnostic of diagnostics) {
    console.log(describe(file, diagnostic));
  }
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).length;
  if (document === undefined && errors === 0) {
    // The parser refused the document without saying why; still a failure.
    console.log(`${file}: error: the parser returned no document`);
    return 1;
  }
  return errors;
}

async function main(files) {
  if (files.length === 0) {
    console.error('usage: node validate.mjs <asyncapi-file>...');
    return 2;
  }
  const parser = new Parser();
  let failed = 0;
  for (const file of files) {
    const errors = await countErrors(parser, file);
    console.log(`${file}: ${errors === 0 ? 'valid' : `${errors} error(s)`}`);
    if (errors > 0) failed += 1;
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
