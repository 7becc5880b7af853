// PostObject's bounds on the form before the file, as OSS documents them (docs/OSS-PROTOCOL.md, PostObject): a field
// name up to 8 KiB (EC 0006-00000110), a value up to 2 MiB, the values before the file up to 8 MiB together
// (EC 0006-00000112). ossup adds a count (1000 fields) and a cap on the raw bytes before the file, so an oversized
// field is cut off while it arrives rather than read to its end. Also the key a form names, ${filename} put in.
import { HEADERS, USER_META_PREFIX } from '../../core/dialect.js';
import { ErrorReply } from '../errors.js';
import { requireValidKey } from '../names-check.js';
import type { FormFields } from '../post-policy.js';

export const MAX_FORM_FIELD_NAME = 8 * 1024;
export const MAX_FORM_FIELD_VALUE = 2 * 1024 * 1024;
export const MAX_FORM_VALUES = 8 * 1024 * 1024;
export const MAX_FORM_FIELDS = 1000;
/** Raw form bytes before the file part: the values' 8 MiB plus room for names, part headers and boundaries. */
export const MAX_FORM_PREAMBLE = MAX_FORM_VALUES + 2 * 1024 * 1024;

/** Busboy's own limits, one past ours so that reaching them is seen (a truncated value, the fieldsLimit event). */
export const FORM_PARSER_LIMITS = { fieldSize: MAX_FORM_FIELD_VALUE + 1, fields: MAX_FORM_FIELDS, files: 2 };

function tooLarge(message: string, extra: Record<string, string>, ec?: string): ErrorReply {
  return new ErrorReply('InvalidArgument', extra, ec ? { message, ec } : { message });
}

/** Running totals of one form's fields before its file; each method throws the refusal when a bound is passed. */
export class FormBudget {
  private values = 0;
  private preamble = 0;

  field(name: string, value: string, truncated: boolean): void {
    const nameBytes = Buffer.byteLength(name);
    if (nameBytes > MAX_FORM_FIELD_NAME)
      throw tooLarge(
        `A form field name is ${nameBytes} bytes; at most ${MAX_FORM_FIELD_NAME} are allowed.`,
        { ArgumentName: name.slice(0, 64) },
        '0006-00000110',
      );
    const valueBytes = Buffer.byteLength(value);
    if (truncated || valueBytes > MAX_FORM_FIELD_VALUE)
      throw tooLarge(`The value of form field "${name.slice(0, 64)}" is over ${MAX_FORM_FIELD_VALUE} bytes.`, {
        ArgumentName: name.slice(0, 64),
      });
    this.values += valueBytes;
    if (this.values > MAX_FORM_VALUES) throw this.valuesTooLarge();
  }

  /** Counts raw body bytes that arrive before the file part starts. */
  raw(bytes: number): void {
    this.preamble += bytes;
    if (this.preamble > MAX_FORM_PREAMBLE) throw this.valuesTooLarge();
  }

  tooManyFields(): ErrorReply {
    return tooLarge(`The form has more than ${MAX_FORM_FIELDS} fields before the file.`, {});
  }

  private valuesTooLarge(): ErrorReply {
    return tooLarge(
      `The form fields before the file exceed ${MAX_FORM_VALUES} bytes; put the file field sooner or send less.`,
      {},
      '0006-00000112',
    );
  }
}

/** True once the fields of a V1 or V4 form signature are all in, so it can be checked before the rest arrives. */
export function signatureFieldsIn(f: FormFields): boolean {
  if (!f.has('policy')) return false;
  if (f.has('ossaccesskeyid') && f.has('signature')) return true;
  return [HEADERS.signatureVersion, HEADERS.credential, HEADERS.date, HEADERS.signature].every((n) => f.has(n));
}

/** The user metadata of a form (x-oss-meta-* fields), by name without the prefix. */
export function formUserMeta(f: FormFields): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of f)
    if (name.startsWith(USER_META_PREFIX)) meta[name.slice(USER_META_PREFIX.length)] = value;
  return meta;
}

/**
 * The object key of a form: its key field with ${filename} replaced by the file's name (its last path segment,
 * as browsers send it). A key that names a folder (ends in "/"), or a file name "." or "..", is refused: the file
 * would be stored as a folder marker or under a name no client can download.
 */
export function formKey(template: string, filename: string): string {
  const name = filename.split(/[\\/]/).pop() ?? '';
  const usesName = template.includes('${filename}');
  if (usesName && (name === '.' || name === '..' || name === '')) {
    throw new ErrorReply(
      'InvalidObjectName',
      { Key: template.slice(0, 1100) },
      {
        message: `The file name "${name}" cannot replace \${filename}: it is not a valid object name segment. Give the file a name.`,
      },
    );
  }
  const key = template.replace(/\$\{filename\}/g, name);
  requireValidKey(key);
  if (key.endsWith('/')) {
    throw new ErrorReply(
      'InvalidObjectName',
      { Key: key.slice(0, 1100) },
      {
        message: `The key "${key.slice(0, 200)}" names a folder; a PostObject stores a file, so end the key with a name.`,
      },
    );
  }
  return key;
}
