// Parses the kernel's per-event `format` text stored in a trace.dat (events/<system>/<event>/format):
// name, id, and each field's offset, size, signedness, array length and `__data_loc` marker, so
// records are decoded from the recording kernel's own layout, never from hard-coded structs.

export interface FieldFormat {
  name: string;
  /** The C type as written, e.g. `unsigned long`, `const char *`, `__data_loc char[]`. */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** `char buf[]` / `u8 data[16]`: element count (0 for a flexible array up to the record end). */
  arrayLength: number | undefined;
  /** `__data_loc` fields hold (length << 16 | offset) of data elsewhere in the record. */
  dataLoc: boolean;
  /** `__rel_loc`: the offset counts from the end of the field itself. */
  relLoc: boolean;
  /** char arrays and `__data_loc char[]` print as strings. */
  isString: boolean;
  isPointer: boolean;
}

export interface EventFormat {
  id: number;
  system: string;
  name: string;
  fields: FieldFormat[];
  byName: Map<string, FieldFormat>;
  /** The text after `print fmt: `. */
  printFmt: string;
}

const FIELD_RE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/;

export function parseEventFormat(text: string, system: string): EventFormat | undefined {
  let name = '';
  let id = -1;
  let printFmt = '';
  const fields: FieldFormat[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('name:')) name = line.slice(5).trim();
    else if (line.startsWith('ID:')) id = Number.parseInt(line.slice(3).trim(), 10);
    else if (line.startsWith('print fmt:')) printFmt = line.slice(10).trim();
    else {
      const m = FIELD_RE.exec(line);
      if (m) {
        const field = parseFieldDecl(m[1], Number(m[2]), Number(m[3]), m[4] === '1');
        if (field) fields.push(field);
      }
    }
  }
  if (!name || !Number.isInteger(id) || id < 0) return undefined;
  return { id, system, name, fields, byName: new Map(fields.map((f) => [f.name, f])), printFmt };
}

function parseFieldDecl(decl: string, offset: number, size: number, signed: boolean): FieldFormat | undefined {
  let d = decl.trim();
  let dataLoc = false;
  let relLoc = false;
  if (d.startsWith('__data_loc ')) {
    dataLoc = true;
    d = d.slice('__data_loc '.length).trim();
  } else if (d.startsWith('__rel_loc ')) {
    dataLoc = true;
    relLoc = true;
    d = d.slice('__rel_loc '.length).trim();
  }
  let arrayLength: number | undefined;
  const arr = /\[(\d*)\]\s*$/.exec(d);
  // `__data_loc char[] name`: the brackets sit on the type; `char buf[16]`: on the name
  const typeArr = /^(.*)\[(\d*)\]\s+(\w+)$/.exec(d);
  let type: string;
  let name: string;
  if (typeArr) {
    type = `${typeArr[1].trim()}[]`;
    name = typeArr[3];
    arrayLength = typeArr[2] ? Number(typeArr[2]) : 0;
  } else {
    if (arr) {
      arrayLength = arr[1] ? Number(arr[1]) : 0;
      d = d.slice(0, arr.index).trim();
    }
    const m = /^(.*?)([A-Za-z_]\w*)$/.exec(d);
    if (!m) return undefined;
    type = m[1].trim();
    name = m[2];
  }
  const base = type.replace(/\[\]$/, '').trim();
  const isChar = /^(const\s+)?(unsigned\s+|signed\s+)?char$/.test(base) || base === 'u8' || base === '__u8';
  return {
    name,
    type,
    offset,
    size,
    signed,
    arrayLength,
    dataLoc,
    relLoc,
    isString: (dataLoc || arrayLength !== undefined) && /char/.test(base),
    isPointer: /\*\s*$/.test(type) && !isChar,
  };
}
