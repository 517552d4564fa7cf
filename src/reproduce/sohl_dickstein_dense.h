// A fully connected net with its own width per hidden layer and its own bias multiplier, for the [SP] properties case
// (theory.md §3.8, §6.3 "what improved SP keeps"). The nets module's Mlp has one hidden width and lets a bias share its
// layer's multiplier; improved SP with base widths (N_1, N_2) and the NTK parameterization with σ_b need neither, so
// this small float64 net (Eigen, full batch) carries them:
//   h^0 = x,  z^{l+1} = α_l W_l h^l + β_l b_l,  h^{l+1} = φ(z^{l+1}) (l < L),  f = z^{L+1}   (one output)
// improved SP (neural-tangents' Dense(parameterization='standard', s)): n_l = s·N_l (n_0 = N_0 = input dim, s_0 = 1),
//   W_l ~ N(0, σ_w²/N_l), α_l = 1/√s_l, b_l ~ N(0, σ_b²), β_l = 1;
// NTK parameterization: W_l ~ N(0, 1), α_l = σ_w/√n_l, b_l ~ N(0, 1), β_l = σ_b.
// Cost per forward over m inputs: 2·m·Σ_l n_l·n_{l+1} flops (one GEMM per layer); backward the same again.
#pragma once
#include <cstdint>
#include <vector>

#include "widthlab/activation.h"
#include "widthlab/tensor.h"

namespace widthlab::repro::sd {

enum class Param { improved_sp, ntk };
const char* param_name(Param p);  // "improved-sp" | "ntk-param"

struct DenseNet {
  std::vector<int> n;  // n_0 (input) … n_L (hidden), n_{L+1} = 1
  std::vector<double> alpha, beta;
  std::vector<MatrixD> W;  // W_l: n_{l+1} × n_l
  std::vector<VectorD> b;  // b_l: n_{l+1}; empty without bias
  Activation act;
  int layers() const { return int(W.size()); }
  bool bias() const { return !b.empty(); }
};

// The net of parameterisation p with hidden base widths N_1..N_L and multiplier s (hidden widths s·N_l), drawn from
// make_rng(seed, rng_stream::init). b_std = 0: no bias.
DenseNet dense_net(Param p, int input_dim, const std::vector<int>& base, int s, const Activation& act, double W_std,
                   double b_std, std::uint64_t seed);

// The empirical NTK Θ(x, x') = Σ_θ ∂f(x)/∂θ · ∂f(x')/∂θ on the rows of X, per layer l and split into the weights'
// part α_l² (Δ_{l+1}Δ_{l+1}ᵀ) ∘ (H_l H_lᵀ) and the bias's part β_l² Δ_{l+1}Δ_{l+1}ᵀ, Δ_{l+1} = ∂f/∂z^{l+1} (Gram
// form, as sohl_dickstein.cpp's R21; theory.md §3.8).
struct NtkParts {
  std::vector<MatrixD> weight, bias;  // per layer 0..L (bias: empty matrices without bias)
  MatrixD total() const;
};
NtkParts dense_ntk_parts(const DenseNet& net, const MatrixD& X);

// Full-batch GD on the centred function g = f − f_0 with loss (1/2m) Σ_i (g(x_i) − y_i)², `steps` steps of lr `lr`
// (g starts at 0, so in the linearised (kernel) regime g_t(X*) = Θ*X Θ⁻¹ (I − (I − lr·Θ/m)^t) y: theory.md §6.3).
// Returns g on X_test after training (NaN entries when it diverged).
VectorD train_centred(DenseNet net, const MatrixD& X, const VectorD& y, const MatrixD& X_test, double lr, int steps);

// The kernel-regime prediction of train_centred from a kernel on [X; X_test] (rows: the m training inputs first).
VectorD linearised_centred(const MatrixD& theta, int m, const VectorD& y, double lr, int steps);

}  // namespace widthlab::repro::sd
