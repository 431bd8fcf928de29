/**
 * @fileoverview Identifier sanitising and exact constant printing: untrusted model names become
 * valid, non-reserved C++ identifiers; constants print as exact decimals that read back to the
 * same double.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { commentText, cppIdent, projectIdent } from '../../../src/backends/identifiers.js';
import { cppArrayInit, exactDecimal } from '../../../src/backends/cpp-values.js';

const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;

describe('cppIdent', () => {
  it('keeps plain names and repairs hostile ones', () => {
    expect(cppIdent('fc1_relu')).toBe('fc1_relu');
    expect(cppIdent('int')).toBe('int_');
    expect(cppIdent('class')).toBe('class_');
    expect(cppIdent('../../etc/x')).toBe('etc_x');
    expect(cppIdent('fc.1-a')).toBe('fc_1_a');
    expect(cppIdent('1dense')).toBe('n1dense');
    expect(cppIdent('')).toBe('x');
    expect(cppIdent('ünïcödé')).toBe('unicode');
    expect(cppIdent('日本')).toBe('x');
    expect(cppIdent('__Reserved')).toBe('Reserved');
    expect(cppIdent('a__b')).toBe('a_b');
    expect(cppIdent('main')).toBe('main_');
  });

  it('keeps project names off the other generated files', () => {
    expect(projectIdent('parameters')).toBe('parameters_prj');
    expect(projectIdent('Defines')).toBe('Defines_prj');
    expect(projectIdent('../../etc/passwd')).toBe('etc_passwd');
    expect(projectIdent('')).toBe('myproject');
  });

  it('always returns a valid identifier of bounded length (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const id = cppIdent(s);
        expect(id).toMatch(IDENT);
        expect(id.length).toBeLessThanOrEqual(49);
        expect(id.includes('__')).toBe(false);
      }),
      { seed: 5, numRuns: 500 },
    );
  });

  it('comment text cannot close a comment or break a line', () => {
    const c = commentText('a */ b\nc ??/');
    expect(c).not.toContain('*/');
    expect(c).not.toContain('\n');
    expect(c).not.toContain('??');
  });
});

describe('exactDecimal', () => {
  it('prints the full binary expansion', () => {
    expect(exactDecimal(0.5)).toBe('0.5');
    expect(exactDecimal(-0.15625)).toBe('-0.15625');
    expect(exactDecimal(3)).toBe('3');
    expect(exactDecimal(0)).toBe('0');
    expect(exactDecimal(0.1)).toBe('0.1000000000000000055511151231257827021181583404541015625');
    expect(exactDecimal(2 ** -20)).toBe('0.00000095367431640625');
  });

  it('reads back as exactly the same double (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        expect(Number(exactDecimal(v))).toBe(v === 0 ? 0 : v);
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('formats brace initializers', () => {
    expect(cppArrayInit([1, 0.25, -2], 2)).toBe('{\n    1, 0.25,\n    -2\n}');
    expect(cppArrayInit([])).toBe('{}');
  });
});
