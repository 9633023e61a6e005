// Parses an AsyncAPI document with the official parser (@asyncapi/parser: schema validation of
// the document, $ref resolution, the built-in Spectral rules) and prints every diagnostic.
// Exits 1 if there is any error, so CI stops on a broken contract.
//   node validate.mjs ../../docs/asyncapi.yaml
import { Parser, fromFile } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs <asyncapi.yaml>');
  process.exit(2);
}

const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, file).parse();

for (const d of diagnostics) {
  const where = d.path && d.path.length ? d.path.join('/') : '(document)';
  const line = d.range ? `:${d.range.start.line + 1}` : '';
  console.error(`${SEVERITY[d.severity] ?? d.severity} ${d.code} at ${where}${line}: ${d.message}`);
}

const errors = diagnostics.filter((d) => d.severity === 0);
if (!document || errors.length > 0) {
  console.error(`${file}: INVALID (${errors.length} error(s))`);
  process.exit(1);
}
console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, `
  + `${document.operations().length} operations, ${document.messages().length} messages`
  + (diagnostics.length ? ` (${diagnostics.length} warning(s)/hint(s) above)` : ''));
