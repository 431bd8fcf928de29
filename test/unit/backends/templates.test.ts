/**
 * @fileoverview The template registry: Vitis inherits the Vivado firmware templates but has its
 * own build script; rendering is strict (a missing field is an error) and does not HTML-escape.
 */

import { describe, expect, it } from 'vitest';
import { precompileAll, render, setPrecompiled, templatePath } from '../../../src/backends/templates.js';
import { InternalError } from '../../../src/diagnostics/diagnostic.js';

describe('templates', () => {
  it('resolves Vitis templates with a Vivado fallback', () => {
    expect(templatePath('vitis', 'build_prj.tcl')).toMatch(/templates[/\\]vitis[/\\]build_prj\.tcl\.hbs$/);
    expect(templatePath('vitis', 'firmware/defines.h')).toMatch(/templates[/\\]vivado[/\\]firmware[/\\]defines\.h\.hbs$/);
    expect(() => templatePath('vivado', 'no/such')).toThrow(InternalError);
  });

  it('does not escape C++ and fails on a missing field', () => {
    const cfg = { name: 'cfg_L2', comment: 'c', consts: [{ name: 'n', value: '4', ctype: 'unsigned' }], types: [{ name: 'accum_t', value: 'ap_fixed<16,6>', ctype: '' }] };
    const layer = { index: 2, comment: 'fc1', op: 'Dense', ident: 'L2', arrays: [{ name: 'w', ctype: 'cfg_L2::weight_t', size: 1, init: '{0.5}', comment: 'w' }] };
    const out = render('vivado', 'firmware/weights.h', layer);
    expect(out).toContain('static const cfg_L2::weight_t w[1] = {0.5};');
    const { ident: _dropped, ...noIdent } = layer;
    expect(() => render('vivado', 'firmware/weights.h', noIdent)).toThrow(/ident/);
    expect(cfg.types[0]!.value).toBe('ap_fixed<16,6>');
  });
});

describe('precompiled templates', () => {
  const layer = {
    index: 2,
    comment: 'fc1 <x>',
    op: 'Dense',
    ident: 'L2',
    arrays: [{ name: 'w', ctype: 'cfg_L2::weight_t', size: 2, init: '{0.5, -1}', comment: 'w & b' }],
  };
  it('render exactly as the templates compiled at run time, partials included', () => {
    setPrecompiled({});
    const fresh = render('vivado', 'firmware/weights.h', layer);
    const specs = precompileAll();
    expect(Object.keys(specs)).toContain('vivado/partials/array.hbs');
    expect(Object.keys(specs)).toContain('vitis/build_prj.tcl.hbs');
    setPrecompiled(specs);
    expect(render('vivado', 'firmware/weights.h', layer)).toBe(fresh);
    const { ident: _dropped, ...noIdent } = layer;
    expect(() => render('vivado', 'firmware/weights.h', noIdent)).toThrow(/ident/);
    setPrecompiled(undefined);
  });
  it('render the same from specifications given as code (the build\'s templates-precompiled.js)', () => {
    setPrecompiled({});
    const fresh = render('vivado', 'firmware/weights.h', layer);
    const asCode = Object.fromEntries(Object.entries(precompileAll()).map(([rel, { sha256, spec }]) => [rel, { sha256, spec: () => new Function(`return ${spec as string};`)() as object }]));
    setPrecompiled(asCode);
    expect(render('vivado', 'firmware/weights.h', layer)).toBe(fresh);
    expect(render('vitis', 'firmware/weights.h', layer)).toBe(fresh);
    setPrecompiled(undefined);
  });
  it('are ignored when the template source changed since they were built', () => {
    const specs = precompileAll();
    const other = precompileAll()['vivado/firmware/defines.h.hbs']!.spec;
    // A stale entry: another template's code under weights.h's name, with the wrong hash.
    specs['vivado/firmware/weights.h.hbs'] = { sha256: '0'.repeat(64), spec: other };
    setPrecompiled(specs);
    expect(render('vivado', 'firmware/weights.h', layer)).toContain('static const cfg_L2::weight_t w[2] = {0.5, -1};');
    // With the right hash the (wrong) code would be used: the hash is what guards it.
    specs['vivado/firmware/weights.h.hbs'] = { sha256: precompileAll()['vivado/firmware/weights.h.hbs']!.sha256, spec: other };
    setPrecompiled(specs);
    expect(() => render('vivado', 'firmware/weights.h', layer)).toThrow();
    setPrecompiled(undefined);
  });
});
