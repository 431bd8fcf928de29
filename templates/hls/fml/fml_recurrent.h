/*
 * @fileoverview fastml HLS layer library: GRU, LSTM and SimpleRNN over a [n_steps, n_in] sequence.
 *
 * Numerics (docs/numerics.md "Recurrent layers", the hls4ml dataflow for GRU/LSTM): per step,
 * tx = dense(x_t, W, b) and th = dense(h, U, b_rec), both with result type accum_t (the two
 * products use the dense kernels of fml_dense.h with their own configs mult_x / mult_h, so each has
 * its own reuse factor and Latency/Resource order); gate inputs are accum_t sums; sigmoid/tanh are
 * table lookups (one table size and table_t per layer) whose values are assigned to accum_t;
 * the state (h, and c for LSTM) has type state_t (the layer's result type) and is zero at the
 * first step of every sample.
 *   GRU:  z, r = sig(tx + th); hh = tanh(tx_h + (accum_t)(r * th_h)); h = hh * (1 - z) + h * z.
 *         reset_after = false: rh = (state_t)(r * h); th_h = dense(rh, U_h, b_rec_h) instead.
 *   LSTM: i, f, o = sig(tx + th); g = tanh(tx_c + th_c); c = g * i + c * f; h = o * tanh(c).
 *   SimpleRNN: h = act(tx + th).
 * Every gate expression is exact ap_fixed arithmetic until the assignment, as in the emulator.
 * The input, state and accumulator types are independent template types: any combination
 * compiles (hls4ml's LSTM needs them identical).
 * Config `C`: n_steps, n_in, n_state, return_seq, use_static, resource, and the types accum_t,
 * state_t, weight_t, bias_t, recurrent_weight_t, recurrent_bias_t, table_t, and the nested configs
 * mult_x, mult_h (and mult_hh for a reset-before GRU), act_cfg, rec_cfg (table index geometry for
 * accum_t inputs) and cell_cfg (LSTM tanh(c): index geometry for state_t inputs).
 */
#ifndef FML_RECURRENT_H_
#define FML_RECURRENT_H_

#include "fml_activation.h"
#include "fml_common.h"
#include "fml_dense.h"

namespace fml {

/* The Latency or Resource dense of one vector, chosen by the layer's strategy. */
template <class In, class Out, class M, bool RESOURCE>
void rnn_dense(const In x[M::n_in], Out y[M::n_out], const typename M::weight_t w[M::n_in * M::n_out],
               const typename M::bias_t b[M::n_out]) {
#pragma HLS INLINE
  if (RESOURCE)
    dense_resource_vec<In, Out, M>(x, y, w, b);
  else
    dense_latency_vec<In, Out, M>(x, y, w, b);
}

/*
 * State storage: hls4ml's `static` kernels keep h (and c) in function-static registers and reset
 * them at the first step; the non-static form uses locals. Both start each sample from zero.
 */
template <class T, unsigned N, bool STATIC, class TAG, int ID>
struct rnn_state;
template <class T, unsigned N, class TAG, int ID>
struct rnn_state<T, N, true, TAG, ID> {
  /* One array per layer (TAG = its config struct) and per state (ID: 0 = h, 1 = c). */
  static T *get() {
    static T s[N];
#pragma HLS ARRAY_PARTITION variable = s complete
    return s;
  }
};
template <class T, unsigned N, class TAG, int ID>
struct rnn_state<T, N, false, TAG, ID> {
  T s[N];
  T *get() {
#pragma HLS ARRAY_PARTITION variable = s complete
    return s;
  }
};

/* The output: every step's state (return_sequences) or the last one. */
template <class C, class State, class Out>
void rnn_emit(const State h[C::n_state], Out *y, unsigned step) {
#pragma HLS INLINE
  if (C::return_seq) {
    for (unsigned i = 0; i < C::n_state; i++) y[step * C::n_state + i] = h[i];
  } else if (step == C::n_steps - 1) {
    for (unsigned i = 0; i < C::n_state; i++) y[i] = h[i];
  }
}

template <class In, class Out, class C>
void gru(const In x[C::n_steps * C::n_in], Out y[C::n_out_total], const typename C::weight_t w[C::n_in * 3 * C::n_state],
         const typename C::recurrent_weight_t u[C::n_state * 3 * C::n_state], const typename C::bias_t b[3 * C::n_state],
         const typename C::recurrent_bias_t br[3 * C::n_state], const typename C::table_t tbl_rec[C::rec_cfg::tbl_n],
         const typename C::table_t tbl_act[C::act_cfg::tbl_n]) {
  typedef typename C::accum_t acc_t;
  typedef typename C::state_t st_t;
  const unsigned n = C::n_state;
  rnn_state<st_t, C::n_state, C::use_static, C, 0> store;
  st_t *h = store.get();
  for (unsigned i = 0; i < n; i++) h[i] = 0;
Steps:
  for (unsigned s = 0; s < C::n_steps; s++) {
    acc_t tx[3 * C::n_state];
    acc_t th[3 * C::n_state];
    acc_t zr[2 * C::n_state];
#pragma HLS ARRAY_PARTITION variable = tx complete
#pragma HLS ARRAY_PARTITION variable = th complete
#pragma HLS ARRAY_PARTITION variable = zr complete
    rnn_dense<In, acc_t, typename C::mult_x, C::resource>(x + s * C::n_in, tx, w, b);
    rnn_dense<st_t, acc_t, typename C::mult_h, C::resource>(h, th, u, br);
    for (unsigned i = 0; i < 2 * n; i++) {
      acc_t a = tx[i] + th[i];
      zr[i] = tbl_rec[table_index<typename C::rec_cfg>(a)];
    }
    for (unsigned i = 0; i < n; i++) {
      acc_t rh = zr[n + i] * th[2 * n + i];
      acc_t a = tx[2 * n + i] + rh;
      acc_t hh = tbl_act[table_index<typename C::act_cfg>(a)];
      h[i] = hh * (1 - zr[i]) + h[i] * zr[i];
    }
    rnn_emit<C, st_t, Out>(h, y, s);
  }
}

/* GRU with reset_after = false: r multiplies h before the h-part of the recurrent product. */
template <class In, class Out, class C>
void gru_reset_before(const In x[C::n_steps * C::n_in], Out y[C::n_out_total], const typename C::weight_t w[C::n_in * 3 * C::n_state],
                      const typename C::recurrent_weight_t u_zr[C::n_state * 2 * C::n_state],
                      const typename C::recurrent_weight_t u_h[C::n_state * C::n_state], const typename C::bias_t b[3 * C::n_state],
                      const typename C::recurrent_bias_t br_zr[2 * C::n_state], const typename C::recurrent_bias_t br_h[C::n_state],
                      const typename C::table_t tbl_rec[C::rec_cfg::tbl_n], const typename C::table_t tbl_act[C::act_cfg::tbl_n]) {
  typedef typename C::accum_t acc_t;
  typedef typename C::state_t st_t;
  const unsigned n = C::n_state;
  rnn_state<st_t, C::n_state, C::use_static, C, 0> store;
  st_t *h = store.get();
  for (unsigned i = 0; i < n; i++) h[i] = 0;
Steps:
  for (unsigned s = 0; s < C::n_steps; s++) {
    acc_t tx[3 * C::n_state];
    acc_t th[2 * C::n_state];
    acc_t thh[C::n_state];
    acc_t zr[2 * C::n_state];
    st_t rh[C::n_state];
#pragma HLS ARRAY_PARTITION variable = tx complete
#pragma HLS ARRAY_PARTITION variable = th complete
#pragma HLS ARRAY_PARTITION variable = thh complete
#pragma HLS ARRAY_PARTITION variable = zr complete
#pragma HLS ARRAY_PARTITION variable = rh complete
    rnn_dense<In, acc_t, typename C::mult_x, C::resource>(x + s * C::n_in, tx, w, b);
    rnn_dense<st_t, acc_t, typename C::mult_h, C::resource>(h, th, u_zr, br_zr);
    for (unsigned i = 0; i < 2 * n; i++) {
      acc_t a = tx[i] + th[i];
      zr[i] = tbl_rec[table_index<typename C::rec_cfg>(a)];
    }
    for (unsigned i = 0; i < n; i++) rh[i] = zr[n + i] * h[i];
    rnn_dense<st_t, acc_t, typename C::mult_hh, C::resource>(rh, thh, u_h, br_h);
    for (unsigned i = 0; i < n; i++) {
      acc_t a = tx[2 * n + i] + thh[i];
      acc_t hh = tbl_act[table_index<typename C::act_cfg>(a)];
      h[i] = hh * (1 - zr[i]) + h[i] * zr[i];
    }
    rnn_emit<C, st_t, Out>(h, y, s);
  }
}

template <class In, class Out, class C>
void lstm(const In x[C::n_steps * C::n_in], Out y[C::n_out_total], const typename C::weight_t w[C::n_in * 4 * C::n_state],
          const typename C::recurrent_weight_t u[C::n_state * 4 * C::n_state], const typename C::bias_t b[4 * C::n_state],
          const typename C::recurrent_bias_t br[4 * C::n_state], const typename C::table_t tbl_rec[C::rec_cfg::tbl_n],
          const typename C::table_t tbl_act[C::act_cfg::tbl_n]) {
  typedef typename C::accum_t acc_t;
  typedef typename C::state_t st_t;
  const unsigned n = C::n_state;
  rnn_state<st_t, C::n_state, C::use_static, C, 0> hs;
  rnn_state<st_t, C::n_state, C::use_static, C, 1> cs;
  st_t *h = hs.get();
  st_t *c = cs.get();
  for (unsigned i = 0; i < n; i++) {
    h[i] = 0;
    c[i] = 0;
  }
Steps:
  for (unsigned s = 0; s < C::n_steps; s++) {
    acc_t tx[4 * C::n_state];
    acc_t th[4 * C::n_state];
#pragma HLS ARRAY_PARTITION variable = tx complete
#pragma HLS ARRAY_PARTITION variable = th complete
    rnn_dense<In, acc_t, typename C::mult_x, C::resource>(x + s * C::n_in, tx, w, b);
    rnn_dense<st_t, acc_t, typename C::mult_h, C::resource>(h, th, u, br);
    for (unsigned i = 0; i < n; i++) {
      acc_t ai = tx[i] + th[i];
      acc_t af = tx[n + i] + th[n + i];
      acc_t ag = tx[2 * n + i] + th[2 * n + i];
      acc_t ao = tx[3 * n + i] + th[3 * n + i];
      acc_t ig = tbl_rec[table_index<typename C::rec_cfg>(ai)];
      acc_t fg = tbl_rec[table_index<typename C::rec_cfg>(af)];
      acc_t og = tbl_rec[table_index<typename C::rec_cfg>(ao)];
      acc_t gg = tbl_act[table_index<typename C::act_cfg>(ag)];
      c[i] = gg * ig + c[i] * fg;
      acc_t tc = tbl_act[table_index<typename C::cell_cfg>(c[i])];
      h[i] = og * tc;
    }
    rnn_emit<C, st_t, Out>(h, y, s);
  }
}

template <class In, class Out, class C>
void simple_rnn(const In x[C::n_steps * C::n_in], Out y[C::n_out_total], const typename C::weight_t w[C::n_in * C::n_state],
                const typename C::recurrent_weight_t u[C::n_state * C::n_state], const typename C::bias_t b[C::n_state],
                const typename C::recurrent_bias_t br[C::n_state], const typename C::table_t tbl_act[C::act_cfg::tbl_n]) {
  typedef typename C::accum_t acc_t;
  typedef typename C::state_t st_t;
  const unsigned n = C::n_state;
  rnn_state<st_t, C::n_state, C::use_static, C, 0> store;
  st_t *h = store.get();
  for (unsigned i = 0; i < n; i++) h[i] = 0;
Steps:
  for (unsigned s = 0; s < C::n_steps; s++) {
    acc_t tx[C::n_state];
    acc_t th[C::n_state];
#pragma HLS ARRAY_PARTITION variable = tx complete
#pragma HLS ARRAY_PARTITION variable = th complete
    rnn_dense<In, acc_t, typename C::mult_x, C::resource>(x + s * C::n_in, tx, w, b);
    rnn_dense<st_t, acc_t, typename C::mult_h, C::resource>(h, th, u, br);
    for (unsigned i = 0; i < n; i++) {
      acc_t a = tx[i] + th[i];
      acc_t v = tbl_act[table_index<typename C::act_cfg>(a)];
      h[i] = v;
    }
    rnn_emit<C, st_t, Out>(h, y, s);
  }
}

}  // namespace fml

#endif  // FML_RECURRENT_H_
