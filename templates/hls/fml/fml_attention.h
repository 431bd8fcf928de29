/*
 * @fileoverview fastml HLS layer library: multi-head attention (query [tq, dq], value [tv, dv], key
 * [tv, dk] or the value itself).
 *
 * Numerics (docs/numerics.md "MultiHeadAttention", the same as src/emulator/attention.ts):
 * Q, K, V are dense projections with result type accum_t; per head, s_ij = (accum_t)(dot * c) with
 * dot = sum_e (accum_t)(Q_ie * K_je) accumulated in accum_t and c = (accum_t)(1/sqrt(key_dim))
 * (the layer's scale, default 1/sqrt(key_dim), given in par[0]); P = fml::softmax_stable of each row (config sm, accum_t in and out);
 * ctx_ie = sum_j (accum_t)(P_ij * V_je); y = dense(ctx, W_o, b_o) cast to the output type.
 * Config `C`: tq, dq, tv, dv, dk, heads, key_dim, value_dim, out_dim, resource, types accum_t,
 * weight_t, bias_t, and the nested configs mq, mk, mv, mo (projections) and sm (softmax).
 */
#ifndef FML_ATTENTION_H_
#define FML_ATTENTION_H_

#include "fml_common.h"
#include "fml_recurrent.h"
#include "fml_softmax.h"

namespace fml {

/* Query q, value v and a separate key k ([tv, dk]). */
template <class InQ, class InV, class InK, class Out, class C>
void mha_qkv(const InQ q[C::tq * C::dq], const InV v[C::tv * C::dv], const InK k[C::tv * C::dk], Out y[C::tq * C::out_dim],
         const typename C::weight_t wq[C::dq * C::heads * C::key_dim], const typename C::bias_t bq[C::heads * C::key_dim],
         const typename C::weight_t wk[C::dk * C::heads * C::key_dim], const typename C::bias_t bk[C::heads * C::key_dim],
         const typename C::weight_t wv[C::dv * C::heads * C::value_dim], const typename C::bias_t bv[C::heads * C::value_dim],
         const typename C::weight_t wo[C::heads * C::value_dim * C::out_dim], const typename C::bias_t bo[C::out_dim],
         const typename C::sm::exp_table_t exp_table[C::sm::exp_n], const typename C::sm::inv_table_t inv_table[C::sm::inv_n],
         const typename C::accum_t par[1]) {
  typedef typename C::accum_t acc_t;
  const unsigned hk = C::heads * C::key_dim;
  const unsigned hv = C::heads * C::value_dim;
  FML_BUFFER acc_t Q[C::tq * C::heads * C::key_dim];
  FML_BUFFER acc_t K[C::tv * C::heads * C::key_dim];
  FML_BUFFER acc_t V[C::tv * C::heads * C::value_dim];
  FML_BUFFER acc_t S[C::tq * C::tv];
  FML_BUFFER acc_t P[C::tq * C::tv];
  FML_BUFFER acc_t X[C::tq * C::heads * C::value_dim];
  const acc_t c = par[0];
  for (unsigned i = 0; i < C::tq; i++) rnn_dense<InQ, acc_t, typename C::mq, C::resource>(q + i * C::dq, Q + i * hk, wq, bq);
  for (unsigned j = 0; j < C::tv; j++) {
    rnn_dense<InK, acc_t, typename C::mk, C::resource>(k + j * C::dk, K + j * hk, wk, bk);
    rnn_dense<InV, acc_t, typename C::mv, C::resource>(v + j * C::dv, V + j * hv, wv, bv);
  }
Heads:
  for (unsigned h = 0; h < C::heads; h++) {
    for (unsigned i = 0; i < C::tq; i++)
      for (unsigned j = 0; j < C::tv; j++) {
        acc_t s = 0;
        for (unsigned e = 0; e < C::key_dim; e++) {
          acc_t p = Q[i * hk + h * C::key_dim + e] * K[j * hk + h * C::key_dim + e];
          s = s + p;
        }
        S[i * C::tv + j] = s * c;
      }
    softmax_stable<acc_t, acc_t, typename C::sm>(S, P, exp_table, inv_table);
    for (unsigned i = 0; i < C::tq; i++)
      for (unsigned e = 0; e < C::value_dim; e++) {
        acc_t s = 0;
        for (unsigned j = 0; j < C::tv; j++) {
          acc_t p = P[i * C::tv + j] * V[j * hv + h * C::value_dim + e];
          s = s + p;
        }
        X[i * hv + h * C::value_dim + e] = s;
      }
  }
  for (unsigned i = 0; i < C::tq; i++) rnn_dense<acc_t, Out, typename C::mo, C::resource>(X + i * hv, y + i * C::out_dim, wo, bo);
}

/* Self- or cross-attention where the key is the value tensor. */
template <class InQ, class InV, class Out, class C>
void mha(const InQ q[C::tq * C::dq], const InV v[C::tv * C::dv], Out y[C::tq * C::out_dim],
         const typename C::weight_t wq[C::dq * C::heads * C::key_dim], const typename C::bias_t bq[C::heads * C::key_dim],
         const typename C::weight_t wk[C::dv * C::heads * C::key_dim], const typename C::bias_t bk[C::heads * C::key_dim],
         const typename C::weight_t wv[C::dv * C::heads * C::value_dim], const typename C::bias_t bv[C::heads * C::value_dim],
         const typename C::weight_t wo[C::heads * C::value_dim * C::out_dim], const typename C::bias_t bo[C::out_dim],
         const typename C::sm::exp_table_t exp_table[C::sm::exp_n], const typename C::sm::inv_table_t inv_table[C::sm::inv_n],
         const typename C::accum_t par[1]) {
  mha_qkv<InQ, InV, InV, Out, C>(q, v, v, y, wq, bq, wk, bk, wv, bv, wo, bo, exp_table, inv_table, par);
}

}  // namespace fml

#endif  // FML_ATTENTION_H_
