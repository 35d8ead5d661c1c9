/**
 * Reads a component's YAML config file. Errors give the file, and for YAML
 * that does not parse only the line and column: the yaml library's pretty
 * errors quote the offending line, which may hold a secret.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, HiddenValue, hideValue } from './config-error.js';
import { type JsonSchema, holdsSecret } from './schema-walk.js';

/** The mapping in a YAML config file; a problem is a ConfigError that never quotes the file's text. */
export function readYamlFile(file: string, schema: JsonSchema): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('(file)', file, 'a readable YAML file', `${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending line, which may be a secret: only its position is reported.
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  const [first] = document.errors;
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ConfigError(
      '(file)',
      new HiddenValue(
        `YAML that does not parse at line ${line}, column ${col} (${first.message})`,
        'it may hold secrets',
      ),
      'valid YAML',
      `file ${file}`,
    );
  }
  const value = document.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      '(root)',
      holdsSecret(schema) ? hideValue(value, 'it may hold secrets') : value,
      'a YAML mapping of keys to values',
      `file ${file}`,
    );
  }
  return value as Record<string, unknown>;
}
