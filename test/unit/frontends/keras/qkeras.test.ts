/**
 * @fileoverview QKeras quantizer parsing: dict and string forms give the same `{name, args}`, and
 * activation quantizers map to the activation function hls4ml uses.
 */

import { describe, expect, test } from 'vitest';
import { activationOfQuantizer, parseQuantizer, quantFact } from '../../../../src/frontends/keras/qkeras.js';
import { activationSpec } from '../../../../src/frontends/keras/activations.js';

describe('parseQuantizer', () => {
  test('string with positional and keyword arguments', () => {
    expect(parseQuantizer('quantized_bits(6,0,alpha=1)')).toEqual({ name: 'quantized_bits', args: { bits: 6, integer: 0, alpha: 1 } });
    expect(parseQuantizer('quantized_relu(3,1)')).toEqual({ name: 'quantized_relu', args: { bits: 3, integer: 1 } });
    expect(parseQuantizer("quantized_bits(8, 3, 1, keep_negative=False, alpha='auto_po2')")).toEqual({
      name: 'quantized_bits',
      args: { bits: 8, integer: 3, symmetric: 1, keep_negative: false, alpha: 'auto_po2' },
    });
    expect(parseQuantizer('binary')).toEqual({ name: 'binary', args: {} });
    // Positional names are QKeras' own keyword names, as get_config() writes them in the dict form.
    expect(parseQuantizer('binary(1)')!.args).toEqual({ use_01: 1 });
    expect(parseQuantizer('quantized_relu_po2(4,1,0.5)')!.args).toEqual({ bits: 4, max_value: 1, negative_slope: 0.5 });
    expect(parseQuantizer('quantized_relu(4, 0, negative_slope=0.25)')!.args.negative_slope).toBe(0.25);
    expect(parseQuantizer('quantized_po2(4, max_value=None)')!.args).toEqual({ bits: 4, max_value: null });
  });

  test('dict form (Keras 2 with __passive_serialization__, Keras 3 with registered_name) gives the same args', () => {
    const k2 = { class_name: 'quantized_bits', config: { bits: 6, integer: 0, symmetric: 0, alpha: 1, keep_negative: true, use_stochastic_rounding: false }, __passive_serialization__: true };
    const k3 = { module: 'qkeras.quantizers', class_name: 'quantized_bits', config: { bits: 6, integer: 0, symmetric: 0, alpha: 1, keep_negative: true, use_stochastic_rounding: false }, registered_name: 'qkeras>quantized_bits' };
    const s = parseQuantizer('quantized_bits(6,0,0,True,1,False)');
    expect(parseQuantizer(k2)).toEqual(s);
    expect(parseQuantizer(k3)).toEqual(s);
  });

  test('absent quantizers and garbage', () => {
    expect(parseQuantizer(null)).toBeUndefined();
    expect(parseQuantizer(undefined)).toBeUndefined();
    expect(() => parseQuantizer('quantized_bits(6')).toThrow();
    expect(() => parseQuantizer(7)).toThrow();
    expect(() => parseQuantizer({ config: {} })).toThrow();
  });

  test('quantFact carries bits and the parsed quantizer', () => {
    const q = parseQuantizer('quantized_bits(10,10)')!;
    expect(quantFact(q)).toEqual({ kind: 'qkeras', bits: 10, qkeras: { name: 'quantized_bits', args: { bits: 10, integer: 10 } } });
  });
});

describe('activation quantizers', () => {
  test('map to hls4ml activation functions', () => {
    const act = (s: string) => activationOfQuantizer(parseQuantizer(s)!);
    expect(act('quantized_relu(6,0)')).toBe('relu');
    expect(act('quantized_bits(6,0)')).toBe('linear');
    expect(act('quantized_tanh(4)')).toBe('tanh');
    expect(act('quantized_sigmoid(4)')).toBe('sigmoid');
    expect(act('binary')).toBe('binary_tanh');
    expect(act('ternary')).toBe('ternary_tanh');
    expect(act('not_a_quantizer')).toBeUndefined();
  });

  test('activationSpec: quantizer string -> activation + result fact, suffix = quantizer name', () => {
    const s = activationSpec('quantized_relu(3,1)', false)!;
    expect(s.attrs).toEqual({ op: 'Activation', activation: 'relu' });
    expect(s.suffix).toBe('quantized_relu');
    expect(s.quant!.result).toMatchObject({ kind: 'qkeras', bits: 3 });
    const leaky = activationSpec('quantized_relu(4,0,negative_slope=0.125)', false)!;
    expect(leaky.attrs).toEqual({ op: 'Activation', activation: 'leaky_relu', alpha: 0.125 });
    expect(activationSpec('relu', false)).toEqual({ attrs: { op: 'Activation', activation: 'relu' }, suffix: 'relu' });
    expect(activationSpec(null, false)).toBeUndefined();
    expect(() => activationSpec('gelu', false)).toThrow(/not supported/);
  });
});
