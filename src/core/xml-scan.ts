/**
 * A one-pass reader for documents of a fixed, plain shape (a listing page: elements, text, whitespace between
 * elements, an XML declaration, attributes on the root only). It builds the same tree parseXml would, in a fraction
 * of its time (fast-xml-parser validates, then parses: 85-220 ms for a 1,000-entry ListBucketResult page).
 *
 * It never decides that a document is malformed: anything outside that shape (comments, CDATA, a DOCTYPE,
 * attributes below the root, mixed content, a raw CR, a reference it does not know, a tag that does not close, text
 * after the root...) makes it answer undefined, and the caller hands the document to parseXml, which parses what
 * is valid and gives its usual error for what is not. So a listing reads the same either way, errors included.
 */
import { decodeReferences, type XmlNode, type XmlObject } from './xml-core.js';

/** A subset of XML names (no colon, ASCII): enough for OSS's element names; others go to parseXml. */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Names that would reach an object's prototype: left to parseXml's own guard. */
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);
const DECLARATION = /^<\?xml(?:[ \t\n]+[A-Za-z]+[ \t\n]*=[ \t\n]*(?:"[^"<>]*"|'[^'<>]*'))*[ \t\n]*\?>/;
const ATTRIBUTES = /^(?:[ \t\n]+[A-Za-z_][A-Za-z0-9_.:-]*[ \t\n]*=[ \t\n]*(?:"[^"<&]*"|'[^'<&]*'))*[ \t\n]*$/;
const ATTRIBUTE_NAME = /([A-Za-z_][A-Za-z0-9_.:-]*)[ \t\n]*=/g;
/** Every reference this reader decodes itself: the five predefined entities and numeric ones. */
const KNOWN_REFERENCE = /&(?:#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g;

interface Frame {
  name: string;
  /** Where the element sits among the repeatable paths (undefined: no repeatable path goes through it). */
  at: PathNode | undefined;
  /** Set once the element has a child element. */
  children?: XmlObject;
}

/** The repeatable paths as a tree of names, so each element costs one lookup of its name, not a dotted path. */
interface PathNode {
  repeat: boolean;
  next: Map<string, PathNode>;
}
const trees = new WeakMap<ReadonlySet<string>, PathNode>();

function treeOf(paths: ReadonlySet<string>): PathNode {
  let root = trees.get(paths);
  if (root) return root;
  root = { repeat: false, next: new Map() };
  for (const p of paths) {
    let node = root;
    for (const name of p.split('.')) {
      let child = node.next.get(name);
      if (!child) node.next.set(name, (child = { repeat: false, next: new Map() }));
      node = child;
    }
    node.repeat = true;
  }
  trees.set(paths, root);
  return root;
}

/** Characters of the names this reader takes (NAME), by char code; the first one must not be a digit, '.' or '-'. */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_CHAR[c] = NAME.test(`a${String.fromCharCode(c)}`) ? 1 : 0;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function allSpace(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** Element text as parseXml gives it, or undefined when only parseXml can say (a raw CR, an odd reference). */
function textOf(raw: string): string | undefined {
  if (raw.indexOf('\r') >= 0) return undefined; // parseXml normalises line ends
  if (raw.indexOf('&') < 0) return raw;
  if (raw.replace(KNOWN_REFERENCE, '').indexOf('&') >= 0) return undefined;
  try {
    return decodeReferences(raw);
  } catch {
    return undefined; // the same document through parseXml gives the error it always gave
  }
}

function attach(parent: XmlObject, el: Frame, value: XmlNode): void {
  const name = el.name;
  const prev = parent[name];
  if (el.at?.repeat) {
    if (prev === undefined) parent[name] = [value];
    else (prev as XmlNode[]).push(value);
  } else if (prev === undefined) parent[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else parent[name] = [prev, value];
}

/**
 * The document's tree as parseXml builds it (elements at `repeatable` paths always arrays), or undefined when the
 * document is not of the plain shape this reader takes: then parseXml must read it.
 */
export function scanXml(text: string, repeatable: ReadonlySet<string>): XmlObject | undefined {
  let i = 0;
  if (text.startsWith('<?xml')) {
    const decl = DECLARATION.exec(text);
    if (!decl) return undefined;
    i = decl[0].length;
  }
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  const doc: XmlObject = {};
  const stack: Frame[] = [];
  const paths = treeOf(repeatable);
  /** Where the text of the innermost open element (or between two of its children) starts. */
  let textStart = -1;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return undefined;
    const top = stack[stack.length - 1];
    const closing = text.charCodeAt(lt + 1) === 0x2f; /* / */
    // Text beside child elements (mixed content) is only whitespace here; a leaf's text is its value.
    if (
      top === undefined
        ? !allSpace(text, i, lt)
        : (!closing || top.children !== undefined) && !allSpace(text, textStart, lt)
    )
      return undefined;
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    if (closing) {
      // A closing tag: exactly </name>.
      if (top === undefined || gt !== lt + 2 + top.name.length || !text.startsWith(top.name, lt + 2)) return undefined;
      stack.pop();
      let value: XmlNode;
      if (top.children !== undefined) value = top.children;
      else {
        const t = textOf(text.slice(textStart, lt));
        if (t === undefined) return undefined;
        value = t;
      }
      if (!place(stack, doc, top, value)) return undefined;
      i = gt + 1;
      textStart = i;
      if (stack.length === 0) return allSpace(text, i, text.length) ? doc : undefined;
      continue;
    }
    // An opening tag: <name>, <name/>, or the root with attributes.
    const selfClosing = text.charCodeAt(gt - 1) === 0x2f;
    const end = selfClosing ? gt - 1 : gt;
    let nameEnd = lt + 1;
    for (let c = text.charCodeAt(nameEnd); c < 128 && NAME_CHAR[c] === 1; c = text.charCodeAt(++nameEnd));
    const name = text.slice(lt + 1, nameEnd);
    if (nameEnd < end) {
      // Only the root may carry attributes (ignored, as parseXml ignores them), and only well-formed ones.
      if (stack.length > 0 || !isSpace(text.charCodeAt(nameEnd)) || !rootAttributesOk(text.slice(nameEnd, end)))
        return undefined;
    }
    // Made of NAME_CHAR: a name unless empty (NaN) or led by a digit, '.' or '-' (all below 'A').
    if (!(name.charCodeAt(0) >= 0x41) || UNSAFE.has(name)) return undefined;
    if (top !== undefined) top.children ??= {};
    const frame: Frame = { name, at: (top === undefined ? paths : top.at)?.next.get(name) };
    i = gt + 1;
    textStart = i;
    if (selfClosing) {
      if (!place(stack, doc, frame, '')) return undefined;
      if (stack.length === 0) return allSpace(text, i, text.length) ? doc : undefined;
    } else stack.push(frame);
  }
}

/** Attaches a finished element to its parent (or makes it the root); false when the root already exists. */
function place(stack: Frame[], doc: XmlObject, el: Frame, value: XmlNode): boolean {
  const parent = stack[stack.length - 1];
  if (parent !== undefined) {
    attach(parent.children!, el, value);
    return true;
  }
  if (Object.keys(doc).length > 0) return false;
  doc[el.name] = value;
  return true;
}

/** Attributes are ignored (as parseXml ignores them), but only well-formed ones, each named once. */
function rootAttributesOk(attrs: string): boolean {
  if (!ATTRIBUTES.test(attrs)) return false;
  const names = [...attrs.matchAll(ATTRIBUTE_NAME)].map((m) => m[1]);
  return new Set(names).size === names.length;
}
