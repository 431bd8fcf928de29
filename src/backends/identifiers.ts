/**
 * @fileoverview Turning user-controlled names (layer, tensor and model names) into safe C++
 * identifiers and file-name stems.
 *
 * Model files are untrusted input: a layer may be called `int`, `fc.1`, `ünïcode`, `../../etc/x` or
 * the empty string. Generated code never uses a raw name as an identifier or a path: every name
 * goes through `cppIdent`, which keeps [A-Za-z0-9_], replaces anything else, avoids C++ keywords,
 * reserved spellings (leading underscore + capital, double underscores) and a leading digit, and
 * bounds the length. Uniqueness is the caller's job (layer identifiers carry the layer index).
 */

/** C++11 keywords and alternative tokens, plus names our generated code and the HLS headers use. */
const RESERVED = new Set(
  (
    'alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t class compl ' +
    'const constexpr const_cast continue decltype default delete do double dynamic_cast else enum explicit ' +
    'export extern false float for friend goto if inline int long mutable namespace new noexcept not not_eq ' +
    'nullptr operator or or_eq private protected public register reinterpret_cast return short signed sizeof ' +
    'static static_assert static_cast struct switch template this thread_local throw true try typedef typeid ' +
    'typename union unsigned using virtual void volatile wchar_t while xor xor_eq ' +
    // C++20 keywords, so the code stays valid with newer compilers.
    'char8_t concept consteval constinit co_await co_return co_yield requires ' +
    // names that would clash with the standard library, the ap_types API or our own library.
    'main std hls fml ap_fixed ap_ufixed ap_int ap_uint NULL EOF errno assert'
  ).split(/\s+/),
);

const MAX_LEN = 48;

/**
 * A valid, non-reserved C++ identifier derived from `name`. Deterministic, so two runs emit the
 * same code. `fallback` is used when nothing usable is left (e.g. an all-unicode name).
 */
export function cppIdent(name: string, fallback = 'x'): string {
  let s = String(name)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents split off by NFKD: ü -> u
    .replace(/[^A-Za-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (s.length > MAX_LEN) s = s.slice(0, MAX_LEN).replace(/_+$/, '');
  if (s === '') s = fallback;
  if (/^[0-9]/.test(s)) s = `n${s}`;
  if (RESERVED.has(s) || RESERVED.has(s.toLowerCase())) s = `${s}_`;
  return s;
}

/** Stems of other generated files: a project with one of these names would overwrite them. */
const FILE_STEMS = new Set(['defines', 'parameters', 'fml', 'ap_types', 'weights', 'kernel']);

/** A project name usable as a C++ identifier and as a file-name stem (lower-case not forced). */
export function projectIdent(name: string): string {
  const id = cppIdent(name, 'myproject');
  return FILE_STEMS.has(id.toLowerCase()) ? `${id}_prj` : id;
}

/**
 * Escapes text for a C++ comment (no comment terminators, no line breaks). Bidirectional controls
 * (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C) and the Unicode line separators are written
 * as \uXXXX: copied raw, they make the source display differently from what the compiler reads
 * ("Trojan Source"; g++ warns about them).
 */
export function commentText(s: string): string {
  return JSON.stringify(String(s))
    .slice(1, -1)
    .replace(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\*\//g, '*\\/')
    .replace(/\?\?/g, '?\\?');
}
