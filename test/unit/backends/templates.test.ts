/**
 * @fileoverview The template registry: Vitis inherits the Vivado firmware templates but has its
 * own build script; rendering is strict (a missing field is an error) and does not HTML-escape.
 */

import { describe, expect, it } from 'vitest';
import { render, templatePath } from '../../../src/backends/templates.js';
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
